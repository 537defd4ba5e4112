"""The texts of moving between regions, Korean first (added to the catalogue of `vms_platform.messages`)."""

from vms_platform.messages import Text, register

register(
    {
        "VOLUNTEER_MOVED": Text(
            "봉사자 {volunteer_id}는 {region_name}(으)로 이사하여 이제 {region_name} 등록센터가 관리합니다. "
            "{region} 지역으로 다시 요청해 주세요.",
            "Volunteer {volunteer_id} moved to {region_name_en}, whose registry keeps them now: ask region {region}.",
        ),
        "VOLUNTEER_MOVING": Text(
            "봉사자 {volunteer_id}의 정보를 이사한 시·도의 등록센터로 옮기는 중입니다. 이관이 끝나면 다시 시도해 "
            "주세요 (조회는 지금도 됩니다).",
            "Volunteer {volunteer_id} is being handed over to the registry of the region they moved to: try again "
            "once it is done (reading works meanwhile).",
        ),
        "ALREADY_IN_REGION": Text(
            "이미 {region_name}에 살고 있습니다. 같은 시·도 안에서 시·군·구가 바뀌었다면 "
            "회원정보 수정에서 바꿔 주세요.",
            "You already live in {region_name_en}: a new district in the same region is changed in your profile.",
        ),
        "HANDOVER_NOT_REQUESTED": Text(
            "봉사자 {volunteer_id}는 {from_region} 지역에서 {to_region} 지역으로 옮겨 달라고 요청하지 않았습니다.",
            "Volunteer {volunteer_id} has not asked to move from region {from_region} to region {to_region}.",
        ),
    }
)
