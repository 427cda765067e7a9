"""Pièces justificatives (issue 11, item 8), on both databases: the name kept follows the
type found in the content, polyglots are refused, so are links, folders, FIFOs and devices;
what is stored is private (0600 files in 0700 folders)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from mairie_tui.services.errors import DocumentRefused
from tests.services.test_documents import JPEG, PDF, PNG, attach, nothing_stored
from tests.services.test_requests import fast_seed

POLYGLOT = "contient aussi autre chose"
NOT_REGULAR = "n'est pas un fichier ordinaire"
ZIP_END = b"PK\x05\x06" + b"\x00" * 18
PDF_BODY = PDF[: PDF.rindex(b"%%EOF")]  # everything but the end marker


@pytest.fixture
def seed(engine):
    return fast_seed(engine)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "data" / "documents"


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.mark.parametrize(
    ("name", "content", "kept", "extension"),
    [
        ("evil.exe", PDF, "evil.pdf", ".pdf"),
        ("scan", PDF, "scan.pdf", ".pdf"),
        ("attestation.pdf.exe", PDF, "attestation.pdf.pdf", ".pdf"),
        ("photo.JPEG", JPEG, "photo.JPEG", ".jpg"),
        ("carte.html", PNG, "carte.png", ".png"),
    ],
)
def test_the_name_kept_and_the_stored_file_take_the_detected_type_s_extension(
    engine, seed, store, tmp_path, name, content, kept, extension
):
    source = tmp_path / name
    source.write_bytes(content)
    view = attach(engine, seed, store, source)
    assert view.original_name == kept
    assert view.path.endswith(extension)
    [stored] = [p for p in store.rglob("*") if p.is_file()]
    assert stored.suffix == extension and stored.read_bytes() == content


def test_stored_pieces_are_private(engine, seed, store, tmp_path):
    previous = os.umask(0o022)
    try:
        source = tmp_path / "piece.pdf"
        source.write_bytes(PDF)
        attach(engine, seed, store, source)
    finally:
        os.umask(previous)
    [stored] = [p for p in store.rglob("*") if p.is_file()]
    assert mode(stored) == 0o600
    assert mode(stored.parent) == 0o700 and mode(store) == 0o700


@pytest.mark.parametrize(
    ("label", "content"),
    [
        ("PDF puis archive ZIP", PDF + b"PK\x03\x04" + b"\x00" * 26 + ZIP_END),
        ("PDF contenant une page web", PDF_BODY + b"<html><script>alert(1)</script>\n%%EOF\n"),
        ("PDF puis un programme", PDF + b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00"),
        ("PDF sans fin", PDF_BODY + b"2 0 obj << >> endobj\n"),
        ("JPEG contenant un PDF", JPEG + PDF),
        ("JPEG contenant du SVG", JPEG + b'<svg onload="alert(1)">'),
        ("PNG suivi de données", PNG + b"<?php system($_GET['c']); ?>"),
        ("PNG puis archive ZIP", PNG + ZIP_END),
    ],
)
def test_a_polyglot_is_refused_and_nothing_is_stored(engine, seed, store, tmp_path, label, content):
    source = tmp_path / "piece.pdf"
    source.write_bytes(content)
    with pytest.raises(DocumentRefused, match=POLYGLOT):
        attach(engine, seed, store, source)
    assert nothing_stored(engine, store), label


def test_content_before_the_pdf_signature_is_refused(engine, seed, store, tmp_path):
    source = tmp_path / "page.pdf"
    source.write_bytes(b"<html><script>alert(1)</script>\n" + PDF)
    with pytest.raises(DocumentRefused, match="n'est ni un PDF"):
        attach(engine, seed, store, source)
    assert nothing_stored(engine, store)


def test_an_honest_pdf_with_xmp_metadata_and_trailing_blanks_is_accepted(
    engine, seed, store, tmp_path
):
    xmp = (
        b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF></rdf:RDF></x:xmpmeta>'
        b'<?xpacket end="w"?>'
    )
    source = tmp_path / "facture.pdf"
    source.write_bytes(PDF_BODY + xmp + b"\n%%EOF\r\n\x00\x00")
    assert attach(engine, seed, store, source).media_type == "application/pdf"


def test_a_symbolic_link_is_refused_even_to_a_good_pdf(engine, seed, store, tmp_path):
    real = tmp_path / "vrai.pdf"
    real.write_bytes(PDF)
    link = tmp_path / "lien.pdf"
    link.symlink_to(real)
    with pytest.raises(DocumentRefused, match="lien symbolique"):
        attach(engine, seed, store, link)
    dangling = tmp_path / "perdu.pdf"
    dangling.symlink_to(tmp_path / "nulle-part.pdf")
    with pytest.raises(DocumentRefused, match="lien symbolique"):
        attach(engine, seed, store, dangling)
    assert nothing_stored(engine, store)


def test_a_folder_and_a_device_are_refused(engine, seed, store, tmp_path):
    folder = tmp_path / "dossier.pdf"
    folder.mkdir()
    for special in (folder, Path("/dev/null")):
        with pytest.raises(DocumentRefused, match=NOT_REGULAR):
            attach(engine, seed, store, special)
    assert nothing_stored(engine, store)


def test_a_fifo_is_refused_without_waiting_for_a_writer(engine, seed, store, tmp_path):
    fifo = tmp_path / "tube.pdf"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def try_it() -> None:
        try:
            attach(engine, seed, store, fifo)
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            outcome.append(error)

    worker = threading.Thread(target=try_it, daemon=True)
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():  # blocked opening the FIFO: unblock it, then fail
        with open(fifo, "wb") as writer:
            writer.write(PDF)
        worker.join(timeout=20)
        pytest.fail("attach_document waited on the FIFO")
    assert len(outcome) == 1 and isinstance(outcome[0], DocumentRefused), outcome
    assert NOT_REGULAR in str(outcome[0])
    assert nothing_stored(engine, store)
