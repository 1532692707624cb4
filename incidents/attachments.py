"""Attachments to an incident: what may be attached, and the one function that adds one.

A file is accepted by what it *is*, never by its name: the first bytes must be a PDF, a PNG
or a JPEG, or the whole file must be plain text that does not look like a web page or an SVG
image. Everything else (HTML, SVG, programs, archives, office files) is refused, whatever it
is called. The file is stored under a server-generated name (`Attachment.file`'s
`upload_to`); the uploaded name is kept only as data, and the file is only ever served
through a view that checks access to the incident, as a download.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import personnummer
from accounts.access import Allowed, Decision, Denied
from incidents import permissions
from incidents.models import OPEN_STATES, Attachment, Incident, Status, TimelineEntry
from incidents.services.common import bump, lock, record, require


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str  # the extension a download gets when the uploaded name has another one
    extensions: frozenset[str]


PDF = FileType("application/pdf", ".pdf", frozenset({".pdf"}))
PNG = FileType("image/png", ".png", frozenset({".png"}))
JPEG = FileType("image/jpeg", ".jpg", frozenset({".jpg", ".jpeg"}))
TEXT = FileType("text/plain", ".txt", frozenset({".txt"}))
ALLOWED_TYPES = (PDF, PNG, JPEG, TEXT)

# Signatures of the binary types we accept (the first bytes of the file).
_SIGNATURES: tuple[tuple[bytes, FileType], ...] = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
)
# Text that a browser could treat as a web page or an image with scripts in it.
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed|meta|link|style|\?xml)\b", re.I)
# Control characters other than tab, line feed, form feed and carriage return: not plain text.
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")

NOT_ALLOWED = gettext_lazy(
    "This kind of file cannot be attached. Attach a PDF, a picture (PNG or JPEG) or a text file (.txt)."
)
NO_FILE = gettext_lazy("Choose a file to attach.")
EMPTY_FILE = gettext_lazy("The file is empty.")


def max_bytes() -> int:
    return settings.INCIDENT_ATTACHMENT_MAX_BYTES


def allowed_types_hint() -> str:
    return _("PDF, PNG, JPEG or text files, at most %(size)s each.") % {"size": filesizeformat(max_bytes())}


def _is_plain_text(content: bytes) -> bool:
    if _CONTROL.search(content) or _MARKUP.search(content):
        return False
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


# A picture may not claim more pixels than a phone photo times a few: a small file that says it
# is 100 000 × 100 000 pixels (a "decompression bomb") would hang whoever opens it.
MAX_IMAGE_SIDE = 20_000
MAX_IMAGE_PIXELS = 100_000_000
TOO_LARGE_PICTURE = gettext_lazy(
    "The picture is larger than psweb accepts (at most 20 000 pixels on a side and 100 megapixels)."
)
BROKEN_PICTURE = gettext_lazy("The picture is damaged or not really a picture.")


def image_size(content: bytes, file_type: FileType) -> tuple[int, int] | None:
    """(width, height) that a PNG or JPEG declares, read from its header without decoding it;
    None when it declares none (a damaged file)."""
    if file_type is PNG:
        if len(content) < 24 or content[12:16] != b"IHDR":
            return None
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    if file_type is JPEG:
        position = 2
        while position + 9 < len(content):
            if content[position] != 0xFF:
                return None
            marker = content[position + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                position += 2
                continue
            length = int.from_bytes(content[position + 2 : position + 4], "big")
            # Start of frame: baseline, progressive and the rarer kinds (not DHT, JPG, DAC).
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height = int.from_bytes(content[position + 5 : position + 7], "big")
                width = int.from_bytes(content[position + 7 : position + 9], "big")
                return width, height
            position += 2 + length
        return None
    return (0, 0)


def detect_type(content: bytes) -> FileType | None:
    """The accepted type of `content`, judged by the bytes alone; None if not accepted."""
    for signature, file_type in _SIGNATURES:
        if content.startswith(signature):
            return file_type
    return TEXT if _is_plain_text(content) else None


def clean_name(name: str) -> str:
    """The uploaded file name without any folder part or control characters, at most 200
    characters (the extension kept), and with a personnummer typed into it masked: the name
    is shown in lists and downloads, where identity is never shown (DESIGN §3)."""
    name = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = personnummer.mask_in_text(name).strip().strip(".")
    if not name:
        return "attachment"
    if len(name) > 200:
        suffix = PurePosixPath(name).suffix[:20]
        name = name[: 200 - len(suffix)] + suffix
    return name


def attachment_validate(file) -> FileType:
    """The file's type, or ValidationError({"file": message}) saying what is wrong."""
    if file is None:
        raise ValidationError({"file": NO_FILE})
    size = file.size
    if size > max_bytes():
        raise ValidationError(
            {"file": _("The file is too large (at most %(size)s).") % {"size": filesizeformat(max_bytes())}}
        )
    if size == 0:
        raise ValidationError({"file": EMPTY_FILE})
    file.seek(0)
    content = file.read()
    file.seek(0)
    file_type = detect_type(content)
    if file_type is None:
        raise ValidationError({"file": NOT_ALLOWED})
    if file_type in (PNG, JPEG):
        size = image_size(content, file_type)
        if size is None or 0 in size:
            raise ValidationError({"file": BROKEN_PICTURE})
        width, height = size
        if max(width, height) > MAX_IMAGE_SIDE or width * height > MAX_IMAGE_PIXELS:
            raise ValidationError({"file": TOO_LARGE_PICTURE})
    return file_type


def download_name(attachment: Attachment) -> str:
    """The name a download gets: the uploaded name, with the extension of what the file
    really is (a text file called "x.html" downloads as "x.html.txt")."""
    file_type = next((t for t in ALLOWED_TYPES if t.content_type == attachment.content_type), TEXT)
    name = attachment.original_name or "attachment"
    if PurePosixPath(name).suffix.lower() not in file_type.extensions:
        name += file_type.extension
    return name


def can_add_attachment(user, incident: Incident) -> Decision:
    """The reporter, while the report is a draft or open; the handlers, while it is open."""
    if incident.reporter_id == user.pk and (incident.status == Status.DRAFT or incident.status in OPEN_STATES):
        return Allowed
    decision = permissions.can_handle_open(user, incident)
    if decision:
        return decision
    if incident.reporter_id == user.pk:
        return Denied(_("Attachments can only be added while the report is open."))
    return Denied(_("Only the reporter and the handlers can add attachments."))


@transaction.atomic
def attachment_add(*, incident: Incident, actor, file) -> Attachment:
    """Store `file` with `incident` under a server-generated name, after checking who may
    and what the file is. Writes an ATTACHMENT_ADDED timeline entry (without the file name,
    which could hold a patient's name or personnummer)."""
    incident = lock(incident)
    require(can_add_attachment(actor, incident))
    file_type = attachment_validate(file)
    attachment = Attachment(
        incident=incident,
        original_name=clean_name(getattr(file, "name", "")),
        content_type=file_type.content_type,
        size=file.size,
        uploaded_by=actor,
    )
    attachment.file.save("upload", file, save=False)
    try:
        attachment.save()
        bump(incident)
        record(incident, actor=actor, kind=TimelineEntry.Kind.ATTACHMENT_ADDED, attachment_id=attachment.pk)
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment
