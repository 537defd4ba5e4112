"""A simulator of the 1365 자원봉사포털 (행정안전부) as far as VMS deals with it: members who consent to receive
records (봉사실적 연계를 위한 정보제공 동의), duplicate accounts that must be merged (중복ID 통합), and the
transfer of activity records from VMS: each record, its corrections, and its deletion once it was cancelled.

The record transfer between VMS and 1365 is a closed link with no public specification. Its shape here is
invented from the public open API's field names (`progrmRegistNo`, `actBeginTm`, `sidoCd`, …) and the 1365 rules
that are public: hours keep minutes, a day counts at most 8 hours, a record is entered within 3 months.
"""
