"""The incident app's forms: `report` for the reporting pages, `case` for the case page's
operations. Import the module you need; nothing is gathered here."""
