"""The 抽取记录 PDF: produced, readable, naming what is public and nothing that is not."""

from __future__ import annotations

import io

import pypdf
from sqlalchemy.orm import Session

from spotcheck.draws import record_pdf
from tests.draws_record.conftest import FOCUS_NAME, Made


def _text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    # Table cells may wrap: compare without whitespace.
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def test_it_produces_a_pdf_with_digest_targets_and_witnesses(db: Session, made: Made) -> None:
    data = record_pdf.record_pdf(db, made.draw)
    assert data.startswith(b"%PDF")
    text = _text(data)
    assert made.draw.digest in text
    drawn = next(t for t in made.targets if t.key in made.selected_keys)
    assert drawn.name in text and drawn.key in text
    assert "王监督" in text and "李群众" in text
    assert "工业企业安全生产抽查" in text
    assert "002第九条第三款" in text  # the group rule's article
    assert "执法员" in text and "鲁C-08" in text


def test_it_never_shows_unselected_keys_stratum_names_or_phones(db: Session, made: Made) -> None:
    text = _text(record_pdf.record_pdf(db, made.draw))
    assert made.unselected
    drawn_names = [t.name for t in made.targets if t.key in made.selected_keys]
    for target in made.unselected:
        assert target.key not in text
        if not any(target.name in name for name in drawn_names):  # 测试企业1 ⊂ 测试企业10
            assert target.name not in text
    assert FOCUS_NAME not in text and "其他检查对象" not in text
    assert "第1层" in text
    assert not any(i.phone in text for i in made.inspectors)
