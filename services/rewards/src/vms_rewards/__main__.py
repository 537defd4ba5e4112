from importlib.resources import files

from vms_rewards.app import create_app
from vms_rewards.settings import RewardsSettings
from vms_shared.runtime import main as run_main


def main(argv: list[str] | None = None) -> None:
    run_main("rewards", RewardsSettings, create_app, str(files("vms_rewards") / "migrations"), argv)


if __name__ == "__main__":
    main()
