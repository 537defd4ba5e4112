from importlib.resources import files

from vms_hours.app import create_app
from vms_hours.settings import HoursSettings
from vms_platform.runtime import main as run_main


def main(argv: list[str] | None = None) -> None:
    run_main("hours", HoursSettings, create_app, str(files("vms_hours") / "migrations"), argv)


if __name__ == "__main__":
    main()
