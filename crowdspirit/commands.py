"""The `flask crowdspirit ...` command group; each domain adds its commands to it when it sets itself up."""

from flask.cli import AppGroup

crowdspirit_cli = AppGroup("crowdspirit", help="CrowdSpirit administration commands.")
