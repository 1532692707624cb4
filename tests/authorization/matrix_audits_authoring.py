"""Authorization-matrix rows: authoring egenkontroll templates (issue 18: "the safety team and
measurement owners author them").

A template of a care provider's own is changed (a new version) by those who hold `audit.run`
over the whole care provider: in the cast, the region's patient-safety officer. The
measurement owner of one clinic (`audit.run` in Medicinkliniken only) may send rounds there
but not change the region's templates, nor create one. A template shipped with psweb gets no
new version through the page, from anyone: a care provider copies it into its own. An
unknown template: 404 for everyone signed in. An empty form: 400 for those allowed.
"""

from __future__ import annotations

import itertools

from tests.authorization.matrix import LOGIN, Row, World, missing, signed_in

# fmt: off
AUTHOR = signed_in(403, anonymous=LOGIN, safety_officer=200)
AUTHOR_EMPTY_POST = signed_in(403, anonymous=LOGIN, safety_officer=400)
NOBODY = signed_in(403, anonymous=LOGIN)
UNKNOWN = signed_in(404, anonymous=LOGIN)
# fmt: on

_codes = itertools.count(1)


def own_template(w: World) -> dict:
    """A template of Region Västmanland's own, with one published version."""
    from audits import services
    from audits.models import Template

    template = Template.objects.create(
        code=f"REGION-MATRIX-{next(_codes)}", title="Fallprevention", care_provider=w.tree.region
    )
    services.version_publish(
        template=template,
        actor=w.cast.safety_officer,
        areas=[
            ("Riskbedömning", [{"key": "riskbedomning", "text": "Fallrisk bedöms vid inskrivning", "scale": "status"}])
        ],
    )
    return {"pk": template.pk}


def shipped_template(w: World) -> dict:
    from audits.examples import MEDICATION
    from audits.models import Template

    return {"pk": Template.objects.get(code=MEDICATION).pk}


ROWS: list[Row] = [
    Row("audits:template-new", "GET", AUTHOR),
    Row("audits:template-new", "POST", AUTHOR_EMPTY_POST, label="an empty form"),
    Row("audits:template-version", "GET", AUTHOR, kwargs=own_template, label="the region's own template"),
    Row("audits:template-version", "POST", AUTHOR_EMPTY_POST, kwargs=own_template, label="an empty form"),
    Row("audits:template-version", "GET", NOBODY, kwargs=shipped_template, label="a template shipped with psweb"),
    Row("audits:template-version", "POST", NOBODY, kwargs=shipped_template, label="a shipped template, empty form"),
    Row("audits:template-version", "GET", UNKNOWN, kwargs=missing, label="an unknown template"),
]
