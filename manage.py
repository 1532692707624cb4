#!/usr/bin/env python
"""psweb's command-line utility."""

import getpass
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "psweb.settings")
    import django
    from django.core.management import execute_from_command_line

    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    if command in {"runserver", "help", "makemigrations", "check", "compilemessages", "makemessages"}:
        execute_from_command_line(sys.argv)
        return
    # Changes made from a command or the shell are attributed in the audit trail to the
    # command and the operating-system user who ran it.
    django.setup()
    import pghistory

    with pghistory.context(command=command, os_user=getpass.getuser()):
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
