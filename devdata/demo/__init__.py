"""Each production app's demo data, one module per app, loaded by `manage.py seed_demo`."""
