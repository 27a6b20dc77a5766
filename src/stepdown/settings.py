"""Configuration from ``STEPDOWN_*`` environment variables and an optional ``.env`` file.

Settings are built once by the entry point (app factory, CLI, job) and passed down, so
tests can hand in their own without touching the process environment.
"""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


class Settings(BaseSettings):
    """What an operator may set; everything has a safe default for the embedded install."""

    model_config = SettingsConfigDict(
        env_prefix="STEPDOWN_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    var_dir: Path = Field(default=Path("var"), description="Where the SQLite file and keys live.")
    database_url: str = Field(
        default="", description="SQLAlchemy URL; empty means the SQLite file in var_dir."
    )
    secret_key: SecretStr | None = Field(
        default=None, description="Signs CSRF and feed tokens; generated into var_dir if unset."
    )
    audit_key: SecretStr | None = Field(
        default=None,
        min_length=32,
        description="HMAC key of the audit chain; generated into var_dir/audit_key if unset.",
    )
    audit_keyring: Path | None = Field(
        default=None,
        description="Retired audit keys, one a line, still used to verify the entries they "
        "made; default var_dir/audit_keyring.",
    )
    audit_checkpoint_file: Path | None = Field(
        default=None,
        description="Append-only file of signed audit checkpoints; default "
        "var_dir/audit_checkpoints. Best on another disk or host than the database.",
    )
    session_idle_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="Automatic log-off after this much inactivity."
    )
    session_max_hours: int = Field(
        default=12, ge=1, le=24 * 7, description="A sign-in never lasts longer than this."
    )
    base_url: str = Field(default="http://127.0.0.1:8000", description="Public address.")
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Larger request bodies are refused with 413 (no form or API call needs "
        "more); a chart document's upload is bounded by documents_max_bytes instead.",
    )
    documents_dir: Path | None = Field(
        default=None,
        description="Where uploaded chart documents are kept (outside the database); "
        "default var_dir/documents. Back it up with the database.",
    )
    documents_max_bytes: int = Field(
        default=20 * 1024 * 1024,
        ge=1024,
        description="Largest chart document accepted, in bytes (its upload request may be "
        "this plus 16 KiB for the form, whatever max_body_bytes says).",
    )
    code_descriptors_file: Path | None = Field(
        default=None,
        description="A CSV of code and descriptor (CPT, HCPCS, revenue codes) the program is "
        "licensed to use; billing shows each descriptor beside its code. Stepdown ships code "
        "numbers only.",
    )
    program_name: str = Field(
        default="Stepdown",
        description="Shown in the page header until `stepdown init` records the program's name.",
    )
    timezone: str = Field(
        default="America/New_York",
        description="The program's wall clock until `stepdown init` records one: schedules are "
        "kept in it, feeds convert from it.",
    )
    program_refresh_seconds: float = Field(
        default=60.0,
        ge=0,
        le=3600,
        description="How often a server process re-reads the program's name and contact "
        "details, so an edit made through another worker process shows; 0 never re-reads.",
    )
    jobs_backend: Literal["auto", "inprocess", "worker", "off"] = Field(
        default="auto",
        description="Where background jobs run: a thread in the web app (inprocess), only "
        "`stepdown worker run` processes (worker), or nowhere (off); auto is inprocess on "
        "SQLite and worker on PostgreSQL.",
    )

    smtp_host: str = Field(
        default="", description="Mail server for reminders; empty sends no e-mail."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="Mail server port.")
    smtp_from: str = Field(default="", description="Sender address of reminder e-mails.")
    smtp_username: str = Field(default="", description="Mail server login; empty: none.")
    smtp_password: SecretStr | None = Field(default=None, description="Mail server password.")
    smtp_starttls: bool = Field(default=True, description="Upgrade the connection with STARTTLS.")
    mail_outbox: Path | None = Field(
        default=None,
        description="Pickup directory: with no smtp_host, each e-mail is written here as an "
        ".eml file instead of sent; unset (and no smtp_host) sends no e-mail.",
    )
    aftercare_weekly_checkins: int = Field(
        default=4, ge=0, le=12, description="New aftercare plans: weekly check-ins at first."
    )
    aftercare_checkin_months: int = Field(
        default=12, ge=1, le=24, description="New aftercare plans: monthly check-ins until then."
    )
    aftercare_grace_days: int = Field(
        default=3, ge=0, le=14, description="Days after its date before a check-in is missed."
    )
    mentor_min_recovery_days: int = Field(
        default=365,
        ge=0,
        le=3650,
        description="Alumni mentors: the least time since the recovery start they state.",
    )
    alert_escalate_minutes: int = Field(
        default=60,
        ge=1,
        le=24 * 60,
        description="Urgent alerts: minutes unacknowledged before the clinician's supervisor "
        "(or else the director) is told.",
    )
    sms_backend: Literal["off", "outbox", "twilio"] = Field(
        default="off",
        description="Text messages about urgent alerts: none (off), written to sms_outbox "
        "(outbox), or sent through Twilio (twilio).",
    )
    sms_outbox: Path | None = Field(
        default=None, description="With sms_backend=outbox: one .txt file per text message."
    )
    twilio_account_sid: str = Field(default="", description="Twilio account SID (AC...).")
    twilio_auth_token: SecretStr | None = Field(default=None, description="Twilio auth token.")
    twilio_from: str = Field(
        default="",
        description="Twilio sender: a number in E.164 form (+1...) or a Messaging Service "
        "SID (MG...).",
    )

    eligibility_gateway: Literal["simulator", "http", "jsonapi"] = Field(
        default="simulator",
        description="Where eligibility inquiries (X12 270) go: the built-in clearinghouse "
        "simulator (simulator), an X12-over-HTTP endpoint that answers the 270 with a 271 "
        "(http), or Stedi's real-time eligibility JSON API (jsonapi).",
    )
    eligibility_url: str = Field(
        default="",
        description="With eligibility_gateway=http or jsonapi: the endpoint to POST to, e.g. "
        "https://healthcare.us.stedi.com/2024-04-01/change/medicalnetwork/eligibility/v3.",
    )
    eligibility_api_key: SecretStr = Field(
        default=SecretStr(""),
        description="With eligibility_gateway=jsonapi: the clearinghouse API key, sent in the "
        "Authorization header.",
    )
    eligibility_timeout_seconds: float = Field(
        default=20.0,
        ge=1,
        le=60,
        description="How long one eligibility attempt waits for the 271: CAQH CORE 156 expects "
        "the real-time round trip within 20 seconds, and CORE 270 (connectivity) keeps the "
        "connection open at most 60.",
    )
    eligibility_sender_id: str = Field(
        default="STEPDOWN",
        min_length=1,
        max_length=15,
        pattern=r"^[A-Za-z0-9 .-]+$",
        description="Our interchange sender id (ISA06, GS02) as the clearinghouse assigned it.",
    )
    eligibility_receiver_id: str = Field(
        default="SIMULATOR",
        min_length=1,
        max_length=15,
        pattern=r"^[A-Za-z0-9 .-]+$",
        description="The clearinghouse's interchange receiver id (ISA08, GS03).",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @field_validator("base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @cached_property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'stepdown.db').as_posix()}"

    @property
    def effective_jobs_backend(self) -> Literal["inprocess", "worker", "off"]:
        """The embedded install has one server, so its web app runs the jobs; a PostgreSQL
        deployment usually has several, and runs dedicated workers instead."""
        if self.jobs_backend != "auto":
            return self.jobs_backend
        return "inprocess" if self.effective_database_url.startswith("sqlite") else "worker"

    @property
    def cookie_secure(self) -> bool:
        """Browsers drop Secure cookies over plain HTTP, so only set it behind https."""
        return self.base_url.startswith("https://")

    @cached_property
    def effective_secret_key(self) -> str:
        """The configured key, else one generated on first run and kept (0600) in var_dir.

        Never a constant in code: a leaked default key would let anyone forge tokens.
        """
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.var_dir / SECRET_KEY_FILE
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        self.var_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
        return key

    @property
    def effective_audit_keyring(self) -> Path:
        return self.audit_keyring or self.var_dir / "audit_keyring"

    @property
    def effective_audit_checkpoint_file(self) -> Path:
        return self.audit_checkpoint_file or self.var_dir / "audit_checkpoints"

    def masked(self) -> dict[str, str]:
        """Every effective setting as text, secrets and URL passwords hidden."""
        from sqlalchemy.engine import make_url

        url = make_url(self.effective_database_url)
        return {
            "var_dir": str(self.var_dir),
            "database_url": url.render_as_string(hide_password=True),
            "secret_key": "********"
            + (" (from environment)" if self.secret_key else f" (from {self.var_dir}/secret_key)"),
            "audit_key": "********"
            + (" (from environment)" if self.audit_key else f" (from {self.var_dir}/audit_key)"),
            "audit_keyring": str(self.effective_audit_keyring),
            "audit_checkpoint_file": str(self.effective_audit_checkpoint_file),
            "session_idle_minutes": str(self.session_idle_minutes),
            "session_max_hours": str(self.session_max_hours),
            "base_url": self.base_url,
            "cookie_secure": str(self.cookie_secure),
            "max_body_bytes": str(self.max_body_bytes),
            "program_name": self.program_name,
            "jobs_backend": self.effective_jobs_backend,
            "smtp_host": self.smtp_host
            or (
                "(none: e-mail is written to mail_outbox)"
                if self.mail_outbox
                else "(none: no e-mail is sent)"
            ),
            "mail_outbox": str(self.mail_outbox or ""),
            "smtp_password": "********" if self.smtp_password else "",
        }
