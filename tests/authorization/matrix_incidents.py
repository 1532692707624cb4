"""Authorization-matrix rows for the incidents app, one module per part."""

from __future__ import annotations

from tests.authorization.matrix import Row
from tests.authorization.matrix_incidents_api import ROWS as API_ROWS
from tests.authorization.matrix_incidents_handling import ROWS as HANDLING_ROWS
from tests.authorization.matrix_incidents_report import ROWS as REPORT_ROWS

ROWS: list[Row] = REPORT_ROWS + HANDLING_ROWS + API_ROWS
