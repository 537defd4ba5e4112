"""The texts of community service teams' refusals, Korean first (added to the catalogue of `vms_platform.messages`)."""

from vms_platform.messages import Text, register

register(
    {
        "TEAM_NOT_FOUND": Text(
            "지역사회봉사단을 찾을 수 없습니다: {team_id}",
            "No community service team with id {team_id}.",
        ),
        "TEAM_MEMBERS_NOT_FOUND": Text(
            "등록되지 않은 봉사자가 있습니다: {volunteer_ids}. 단원은 모두 회원가입한 봉사자여야 합니다.",
            "Not registered volunteers: {volunteer_ids}. Every member of a team is a registered volunteer.",
        ),
        "TEAM_MEMBERS_WITHDRAWN": Text(
            "탈퇴한 봉사자는 봉사단에 들어갈 수 없습니다: {volunteer_ids}",
            "Volunteers who have withdrawn cannot join a team: {volunteer_ids}.",
        ),
        "TEAM_GROUP_TOO_SMALL": Text(
            "단체는 대표를 포함해 {min}명 이상이어야 합니다 (지금 {count}명).",
            "A group applies with at least {min} members, the leader included (this one has {count}).",
        ),
        "ALREADY_IN_TEAM": Text(
            "봉사자 {volunteer_id}는 이미 이 지역의 같은 분야({field_name}) 봉사단 {team_id}에 속해 있습니다. "
            "한 사람은 지역·분야마다 한 봉사단에만 속할 수 있습니다.",
            "Volunteer {volunteer_id} is already in team {team_id} of this region and field ({field_name_en}); "
            "a person serves in one team per field and region.",
        ),
        "TEAM_STATUS": Text(
            "봉사단 {team_id}는 지금 '{status_name}' 상태라서 {action_name}할 수 없습니다 "
            "('{expected_name}' 상태에서만 가능합니다).",
            "Team {team_id} is {status}: it cannot be {action_en} (only a team that is {expected} can).",
        ),
        "TEAM_CENTRE_NOT_IN_REGION": Text(
            "관리센터 {centre_id}는 봉사단의 지역({region})이 아닌 {centre_region} 지역의 센터입니다. "
            "봉사단은 자기 지역의 센터에 배치합니다.",
            "Management centre {centre_id} is in region {centre_region}, not the team's region {region}: a team "
            "is placed in its own community.",
        ),
    }
)
