from importlib.resources import files

from vms_platform.runtime import main as run_main
from vms_registry.app import create_app
from vms_registry.settings import RegistrySettings


def main(argv: list[str] | None = None) -> None:
    run_main("registry", RegistrySettings, create_app, str(files("vms_registry") / "migrations"), argv)


if __name__ == "__main__":
    main()
