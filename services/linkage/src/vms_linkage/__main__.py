from importlib.resources import files

from vms_linkage.app import create_app
from vms_linkage.settings import LinkageSettings
from vms_platform.runtime import main as run_main


def main(argv: list[str] | None = None) -> None:
    run_main("linkage", LinkageSettings, create_app, str(files("vms_linkage") / "migrations"), argv)


if __name__ == "__main__":
    main()
