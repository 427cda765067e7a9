"""Pièces justificatives on both databases: checked by content, size and path before
anything is stored; stored under their sha256; validity and expiring pièces."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import select

from mairie_tui.db import read_session
from mairie_tui.models import Document
from mairie_tui.services.documents import attach_document, household_documents
from mairie_tui.services.errors import DocumentRefused, NotFoundError, PermissionDenied
from tests.helpers import clock_at
from tests.services.documents_helpers import document_file, expiring_documents
from tests.services.test_requests import AGENT, STAFF, fast_seed

CLOCK = clock_at("2020-09-15T10:00")
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32 + b"\x00\x00\x00\x00IEND\xaeB`\x82"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 32
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64
WINDOWS_EXE = b"MZ\x90\x00" + b"\x00" * 64


@pytest.fixture
def seed(engine):
    return fast_seed(engine)


@pytest.fixture
def store(tmp_path):
    return tmp_path / "data" / "documents"


def attach(engine, seed, store, source, kind="autre", **kwargs):
    return attach_document(
        engine,
        household_id=seed.household_id,
        source=source,
        kind=kind,
        documents_dir=store,
        actor=kwargs.pop("actor", AGENT),
        clock=kwargs.pop("clock", CLOCK),
        **kwargs,
    )


def nothing_stored(engine, store) -> bool:
    with read_session(engine) as session:
        rows = session.exec(select(func.count()).select_from(Document)).one()
    files = [p for p in store.rglob("*") if p.is_file()] if store.exists() else []
    return rows == 0 and files == []


def test_a_pdf_is_stored_under_its_sha256_never_its_name(engine, seed, store, tmp_path):
    source = tmp_path / "Facture EDF (copie).pdf"
    source.write_bytes(PDF)
    view = attach(
        engine, seed, store, source, kind="justificatif_domicile", issued_on=date(2020, 8, 1)
    )
    digest = hashlib.sha256(PDF).hexdigest()
    assert (view.sha256, view.media_type, view.size) == (digest, "application/pdf", len(PDF))
    assert view.original_name == "Facture EDF (copie).pdf"
    assert view.valid_until == date(2020, 11, 1)  # 3 months
    assert view.path == f"documents/{digest[:2]}/{digest}.pdf"
    stored = document_file(store.parent, view)
    assert stored.read_bytes() == PDF
    assert [p.name for p in store.rglob("*") if p.is_file()] == [f"{digest}.pdf"]
    # The same content twice: two rows, one file.
    again = attach(engine, seed, store, source)
    assert again.id != view.id and again.path == view.path


@pytest.mark.parametrize(("content", "media"), [(PNG, "image/png"), (JPEG, "image/jpeg")])
def test_images_by_content_whatever_their_extension(engine, seed, store, tmp_path, content, media):
    source = tmp_path / "scan.bin"
    source.write_bytes(content)
    assert attach(engine, seed, store, source).media_type == media


@pytest.mark.parametrize("content", [ELF, WINDOWS_EXE, b"#!/bin/sh\nrm -rf /\n"])
def test_an_executable_renamed_pdf_is_refused_and_nothing_is_stored(
    engine, seed, store, tmp_path, content
):
    source = tmp_path / "attestation.pdf"
    source.write_bytes(content)
    with pytest.raises(DocumentRefused, match="n'est ni un PDF, ni une image JPEG ou PNG"):
        attach(engine, seed, store, source)
    assert nothing_stored(engine, store)


def test_a_path_with_dot_dot_is_refused_and_nothing_is_stored(engine, seed, store, tmp_path):
    folder = tmp_path / "scans"
    folder.mkdir()
    (tmp_path / "secret.pdf").write_bytes(PDF)
    with pytest.raises(DocumentRefused, match="« .. »"):
        attach(engine, seed, store, f"{folder}/../secret.pdf")
    with pytest.raises(DocumentRefused, match="« .. »"):
        attach(engine, seed, store, "../../etc/passwd")
    assert nothing_stored(engine, store)


def test_a_file_over_the_size_limit_is_refused_and_nothing_is_stored(engine, seed, store, tmp_path):
    source = tmp_path / "gros.pdf"
    with source.open("wb") as handle:
        handle.write(PDF)
        handle.truncate(10 * 1024 * 1024 + 1)  # sparse: 10 Mo + 1 octet
    with pytest.raises(DocumentRefused, match="trop volumineux .* 10 Mo au plus"):
        attach(engine, seed, store, source)
    assert nothing_stored(engine, store)


def test_a_proof_of_address_older_than_3_months_is_refused(engine, seed, store, tmp_path):
    source = tmp_path / "facture.pdf"
    source.write_bytes(PDF)
    with pytest.raises(DocumentRefused, match="n'est plus valable .*14/09/2020"):
        attach(
            engine, seed, store, source, kind="justificatif_domicile", issued_on=date(2020, 6, 14)
        )
    with pytest.raises(DocumentRefused, match="indiquez la date d'émission"):
        attach(engine, seed, store, source, kind="justificatif_domicile")
    with pytest.raises(Exception, match="Type de pièce inconnu"):
        attach(engine, seed, store, source, kind="carte_vitale")
    assert nothing_stored(engine, store)


def test_a_failing_database_write_leaves_no_file(engine, seed, store, tmp_path):
    source = tmp_path / "piece.pdf"
    source.write_bytes(PDF)
    with pytest.raises(NotFoundError):
        attach(engine, seed, store, source, request_id=424242)
    with pytest.raises(PermissionDenied):
        attach(engine, seed, store, source, actor=STAFF)
    assert nothing_stored(engine, store)


def test_a_missing_household_or_another_households_request_is_refused_and_nothing_is_stored(
    engine, seed, store, tmp_path
):
    source = tmp_path / "piece.pdf"
    source.write_bytes(PDF)
    with pytest.raises(NotFoundError, match=r"^Foyer introuvable \(n° 424242\)\.$"):
        attach_document(
            engine,
            household_id=424242,
            source=source,
            kind="autre",
            documents_dir=store,
            actor=AGENT,
            clock=CLOCK,
        )
    with pytest.raises(NotFoundError, match=r"^Demande introuvable pour ce foyer \(n° 424242\)\.$"):
        attach(engine, seed, store, source, request_id=424242)
    assert nothing_stored(engine, store)

def test_the_households_documents_say_which_are_expiring(engine, seed, store, tmp_path):
    source = tmp_path / "piece.pdf"
    source.write_bytes(PDF)
    attach(engine, seed, store, source, kind="justificatif_domicile", issued_on=date(2020, 6, 20))
    attach(engine, seed, store, source, kind="piece_identite", valid_until=date(2030, 1, 1))
    attach(engine, seed, store, source, kind="certificat_medical")
    views = household_documents(engine, seed.household_id, actor=AGENT, clock=CLOCK)
    assert [(v.kind, v.state) for v in views] == [
        ("certificat_medical", "sans_echeance"),
        ("piece_identite", "valide"),
        ("justificatif_domicile", "expire_bientot"),
    ]
    assert views[2].state_label == "expire le 20/09/2020"
    later = clock_at("2020-10-01T10:00")
    [expired] = expiring_documents(engine, seed.household_id, actor=AGENT, clock=later)
    assert expired.kind == "justificatif_domicile" and expired.state == "expire"
    assert expired.state_label == "expiré depuis le 20/09/2020"
