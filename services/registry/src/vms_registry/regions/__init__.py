"""Regions: a volunteer keeps their id for life, wherever they live. A move within the regions one deployment
serves changes their region; a move to a region another deployment keeps is a handover by event, the record itself
travelling in a request between the two registries. And a registry that takes an application or places a volunteer
of another region asks that region's registry for what it needs to know of them (`facts.FactsOf`)."""
