from importlib.resources import files

from vms_platform.runtime import main as run_main
from vms_rewards.app import create_app
from vms_rewards.settings import RewardsSettings


def main(argv: list[str] | None = None) -> None:
    run_main("rewards", RewardsSettings, create_app, str(files("vms_rewards") / "migrations"), argv)


if __name__ == "__main__":
    main()
