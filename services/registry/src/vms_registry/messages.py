"""The registry's own texts, Korean first (added to the catalogue of `vms_platform.messages`)."""

from vms_platform.messages import Text, register

register(
    {
        "VOLUNTEER_NOT_FOUND": Text(
            "봉사자를 찾을 수 없습니다: {volunteer_id}",
            "No volunteer with id {volunteer_id}.",
        ),
        "CENTRE_NOT_FOUND": Text(
            "관리센터를 찾을 수 없습니다: {centre_id}",
            "No management centre with id {centre_id}.",
        ),
        "LOGIN_ID_TAKEN": Text(
            "이미 사용 중인 아이디입니다: {login_id}",
            "The login id {login_id} is already taken.",
        ),
        "CENTRE_EXISTS": Text(
            "같은 지역에 같은 이름의 관리센터가 이미 있습니다: {name}",
            "A management centre named {name} already exists in this region.",
        ),
    }
)
