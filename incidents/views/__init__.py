"""The incident app's pages: `report` (the report form and "Mina avvikelser"), `queue` (the
work queue and its export) and `case` (the case page and its operations). `incidents.urls`
imports the modules; nothing is gathered here."""
