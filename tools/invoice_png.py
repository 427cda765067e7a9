"""Render the régie demo's first invoice (PDF) to screenshots/84-facture-pdf.png.

    python3 -m venv /tmp/pdfr && /tmp/pdfr/bin/pip install pypdfium2 pillow
    .venv/bin/python tools/invoice_png.py --renderer /tmp/pdfr/bin/python

Builds `demo --regie` (40 households) in a temporary folder, writes invoice
2020-F-000001 (FAMILLE TEST, September 2020) with `factures pdf`, and renders its
first page with pypdfium2 in the given interpreter (not a dependency of the
application: only this picture needs it).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RENDER = (
    "import sys, pypdfium2 as pdfium\n"
    "page = pdfium.PdfDocument(sys.argv[1])[0]\n"
    "page.render(scale=1.6).to_pil().save(sys.argv[2])\n"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--renderer", required=True, help="a python with pypdfium2 and pillow")
    parser.add_argument("--out", default=str(ROOT / "screenshots" / "84-facture-pdf.png"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        env = {
            **os.environ,
            "MAIRIE_DATA_DIR": work,
            "MAIRIE_DB_URL": f"sqlite:///{work}/demo.db",
            "MAIRIE_NOW": "2020-11-05T10:00",
            "MAIRIE_AGENT": "guichet",
            "MAIRIE_PASSWORD": "guichet",
        }
        cli = [sys.executable, "-m", "mairie_tui"]
        subprocess.run([*cli, "demo", "--regie", "--households", "40"], env=env, check=True)
        pdf = Path(work) / "facture.pdf"
        subprocess.run(
            [*cli, "factures", "pdf", "2020-F-000001", "--out", str(pdf)], env=env, check=True
        )
        subprocess.run([args.renderer, "-c", RENDER, str(pdf), args.out], check=True)
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
