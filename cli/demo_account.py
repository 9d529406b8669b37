"""The dev stack's demo login for the web app: one user in the demo account, its password kept
in the data dir so every run prints the same one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

DEMO_EMAIL = "demo@example.com"


def demo_web_password(engine: Engine, data_dir: Path, account_id: str) -> str:
    """The web app's demo user (DEMO_EMAIL) in the demo account; its password is kept in
    the data dir."""
    import secrets

    from infra.users import EmailTaken, UserService

    users = UserService(engine)
    password_file = data_dir / "demo-password"
    if password_file.exists():
        password = password_file.read_text().strip()
        user = users.authenticate(DEMO_EMAIL, password)
        if user is not None:
            if user.account_id != account_id:  # a new demo account: follow it
                users.attach(DEMO_EMAIL, account_id)
            return password
    password = secrets.token_urlsafe(12)
    try:
        users.create_user(DEMO_EMAIL, password, account_id)
    except EmailTaken:  # its password file was lost: the data dir's user is ours to reset
        users.reset_password(DEMO_EMAIL, password)
        users.attach(DEMO_EMAIL, account_id)
    password_file.write_text(password + "\n")
    password_file.chmod(0o600)
    return password
