"""The operator's texts (`vms` commands), Korean first with English, in the platform's message catalogue."""

from __future__ import annotations

from vms_platform.messages import Text, register

register(
    {
        "OPS_USING_RUNNING_SYSTEM": Text(
            "NATS {nats}: {data}에서 실행 중인 `vms up` (pid {pid})",
            "NATS {nats}: the `vms up` running on {data} (pid {pid})",
        ),
        "OPS_USING_DEFAULT_NATS": Text(
            "NATS {nats}: 기본 주소 ({data}에서 실행 중인 `vms up`이 없고, --nats-url, VMS_NATS_URL, --data도 "
            "주어지지 않았습니다)",
            "NATS {nats}: the default (no `vms up` runs on {data}, and no --nats-url, VMS_NATS_URL or --data was "
            "given)",
        ),
        "OPS_NO_SUCH_DATA_FOLDER": Text(
            "데이터 폴더 {data}가 없습니다. 실행 중인 `vms up`의 데이터 폴더를 --data로, 또는 NATS 서버를 "
            "--nats-url (또는 VMS_NATS_URL)로 지정하세요.",
            "there is no data folder {data}. Name the data folder of a running `vms up` with --data, or the NATS "
            "server with --nats-url (or VMS_NATS_URL).",
        ),
        "OPS_NO_RUN_ON_DATA_FOLDER": Text(
            "데이터 폴더 {data}에서 실행 중인 `vms up`이 없습니다. 그 폴더로 `vms up --data {data}`를 시작하거나, "
            "NATS 서버를 --nats-url (또는 VMS_NATS_URL)로 지정하세요.",
            "no `vms up` is running on the data folder {data}. Start one there (`vms up --data {data}`), or name the "
            "NATS server with --nats-url (or VMS_NATS_URL).",
        ),
        "OPS_STALE_RUN_ON_DATA_FOLDER": Text(
            "데이터 폴더 {data}의 `vms up` (pid {pid}, {since}부터, NATS {nats})은 이미 끝났습니다: {run_file}은(는) "
            "그 실행이 남긴 것입니다. 그 폴더로 `vms up --data {data}`를 다시 시작하거나, NATS 서버를 --nats-url "
            "(또는 VMS_NATS_URL)로 지정하세요.",
            "the `vms up` of the data folder {data} (pid {pid}, since {since}, NATS {nats}) has ended: {run_file} is "
            "what it left behind. Start it again (`vms up --data {data}`), or name the NATS server with --nats-url "
            "(or VMS_NATS_URL).",
        ),
        "OPS_NATS_UNREACHABLE": Text(
            "{nats}의 NATS에 연결할 수 없습니다 ({error}). `vms up`이 실행 중이면 그 데이터 폴더를 --data로, "
            "아니면 NATS 서버를 --nats-url (또는 VMS_NATS_URL)로 지정하세요.",
            "cannot reach NATS at {nats} ({error}). If `vms up` runs, name its data folder with --data; otherwise "
            "name the NATS server with --nats-url (or VMS_NATS_URL).",
        ),
        "OPS_NO_DEADLETTER_STREAM": Text(
            "{nats}에 배달 실패 스트림 {stream}이(가) 없습니다: 이 시스템의 NATS와 버스 루트({root})가 맞습니까?",
            "{nats} has no dead-letter stream {stream}: is it this system's NATS, and its bus root {root}?",
        ),
        "OPS_NO_SUCH_DEAD_LETTER": Text(
            "배달 실패 메시지 {sequence}이(가) 없습니다: `vms deadletter list`로 번호를 확인하세요",
            "there is no dead letter {sequence}: `vms deadletter list` shows their numbers",
        ),
        "OPS_NO_DEAD_LETTERS": Text("배달 실패 메시지가 없습니다", "no dead letters"),
        "OPS_REPLAYED": Text(
            "배달 실패 메시지 {sequence}을(를) {subject}로 다시 보냈습니다",
            "dead letter {sequence} sent again to {subject}",
        ),
        # `vms keys`
        "OPS_KEYS_EXPLAINED": Text(
            "VMS 요청 서명 키 한 벌. 각 프로그램은 자기 비밀 키(VMS_<PROGRAM>_ACTOR_KEY)로 요청에 서명하고, 모든 "
            "서비스는 공개 키 목록(VMS_ACTOR_PUBLIC_KEYS)으로 확인합니다. 이 줄들을 .env나 비밀 저장소에 넣고, "
            "비밀 키는 그 프로그램에만 주세요.",
            "A new VMS actor key set. Each program signs its requests with its own private key "
            "(VMS_<PROGRAM>_ACTOR_KEY) and every service checks them with the list of public keys "
            "(VMS_ACTOR_PUBLIC_KEYS). Put these lines in .env or a secret store, and give each private key to its "
            "program only.",
        ),
        # `vms admin create`
        "OPS_ADMIN_PASSWORD_PROMPT": Text("비밀번호", "Password"),
        "OPS_ADMIN_PASSWORD_AGAIN": Text("비밀번호 확인", "Password again"),
        "OPS_ADMIN_PASSWORDS_DIFFER": Text(
            "두 비밀번호가 다릅니다. 다시 실행해 주세요.", "the two passwords differ; run the command again."
        ),
        "OPS_ADMIN_NO_PASSWORD": Text(
            "비밀번호를 물어볼 터미널이 없습니다. VMS_ADMIN_PASSWORD 환경 변수로 주세요.",
            "there is no terminal to ask for the password; give it in the environment variable VMS_ADMIN_PASSWORD.",
        ),
        "OPS_ADMIN_NO_GATEWAY": Text(
            "이 `vms`에는 게이트웨이 패키지(vms-gateway)가 없습니다. 게이트웨이가 설치된 곳에서 실행하거나, 게이트웨이 "
            "이미지에서 `vms-gateway admin create`를 쓰세요.",
            "this `vms` has no gateway package (vms-gateway): run it where the gateway is installed, or use "
            "`vms-gateway admin create` in the gateway's image.",
        ),
        "OPS_ADMIN_NO_DATABASE": Text(
            "게이트웨이 데이터베이스를 모릅니다. --database-url 또는 VMS_GATEWAY_DATABASE_URL로 지정하세요.",
            "which gateway database? Name it with --database-url or VMS_GATEWAY_DATABASE_URL.",
        ),
    }
)
