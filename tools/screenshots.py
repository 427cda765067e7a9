"""Regenerate an SVG of every screen into screenshots/ (`make screenshots`, `python tools/screenshots.py`).

120×40, the demo database in a temporary directory, the clock frozen at
mardi 15/09/2020 10:00 (the portal tutorial's day). The calendar, the recap
and the Foyer are also drawn at 80×24 (`NAME-80x24.svg`, SMALL_SCREENSHOTS).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.tui.scenes import SCENE_NOW, SCENES  # noqa: E402 (after the sys.path line)
from tests.tui.scenes.base import (  # noqa: E402
    DEMO_NOW,
    SIZE,
    SMALL,
    SMALL_SCREENSHOTS,
    build_demo_database,
    copy_database,
    make_app,
)


def take(name: str, template: Path, workdir: Path, size: tuple[int, int] = SIZE) -> str:
    from textual._doc import take_svg_screenshot

    tag = f"{name}-{size[0]}x{size[1]}"
    url = copy_database(template, workdir / f"{tag}.db")
    data_dir = workdir / f"{tag}-data"
    data_dir.mkdir()
    app = make_app(url, now=SCENE_NOW.get(name, DEMO_NOW), data_dir=data_dir)
    return take_svg_screenshot(app=app, terminal_size=size, run_before=SCENES[name])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="screenshots", help="dossier de sortie (screenshots/)")
    parser.add_argument("scenes", nargs="*", help="écrans à régénérer (tous par défaut)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = args.scenes or list(SCENES)
    unknown = [name for name in names if name not in SCENES]
    if unknown:
        parser.error(f"écran inconnu : {', '.join(unknown)} (connus : {', '.join(SCENES)})")
    with tempfile.TemporaryDirectory(prefix="mairie-screenshots-") as tmp:
        workdir = Path(tmp)
        template = build_demo_database(workdir / "template.db")
        for name in names:
            svg = take(name, template, workdir)
            (out / f"{name}.svg").write_text(svg, encoding="utf-8")
            print(f"{out / name}.svg")
            if name in SMALL_SCREENSHOTS:
                small = f"{name}-{SMALL[0]}x{SMALL[1]}"
                svg = take(name, template, workdir, SMALL)
                (out / f"{small}.svg").write_text(svg, encoding="utf-8")
                print(f"{out / small}.svg")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
