"""Lanyard's copies of long-lived secrets land in a real OS keyring (kernel keyutils, in a private
session keyring so nothing leaks into the user's) and sign-out removes them."""

import os
import subprocess

from app import bin_dir
from conftest import client_env, start_emulator

SCRIPT = """
set -e
L="$LANYARD"
"$L" login --session acme --start-url https://acme.awsapps.com/start --region us-east-1 --device-code --no-browser
echo "== after login"; keyctl show @s
"$L" logout --session acme
echo "== after logout"; keyctl show @s
"""


def test_secrets_go_to_keyutils_and_leave_on_logout(tmp_path):
    emu = start_emulator(tmp_path / "emu", args=["--auto-approve"])
    try:
        env = client_env(emu, tmp_path / "home")
        env.update(
            PATH=os.environ["PATH"], LANYARD=str(bin_dir() / "lanyard"), LANYARD_KEYRING="keyutils"
        )
        r = subprocess.run(
            ["keyctl", "session", "-", "sh", "-c", SCRIPT],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 0, r.stderr
        after_login, after_logout = r.stdout.split("== after logout")
        assert (
            "sso-session/acme/refresh-token" in after_login
            and "sso-session/acme/client-secret" in after_login
        ), r.stdout
        assert "sso-session/acme" not in after_logout, r.stdout
        assert "no OS keyring" not in r.stderr
    finally:
        emu.stop()
