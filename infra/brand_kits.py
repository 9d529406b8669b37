"""Brand kits of accounts: colours, font and logo; at most one default per account."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, or_
from sqlmodel import Session, col, select, update

from domain.brand import COLOR_ROLES, BrandKitPin, JobPins
from domain.errors import NotFound
from infra.assets import AssetService
from infra.brand_models import BrandKit
from infra.db import read_only
from infra.models import Account, as_utc, utc_now
from infra.pages import Cursor

KIT_NOT_FOUND = "no such brand kit"


@dataclass(frozen=True)
class KitChanges:
    """A validated create or PATCH body; fields left `None` (or absent in PATCH) stay as they are.

    `colors` maps roles to "#RRGGBB", or to None to remove an optional colour;
    `clear_font` / `clear_logo` remove them (PATCH with `null`).
    """

    name: str | None = None
    colors: dict[str, str | None] = field(default_factory=dict)
    font: str | None = None
    clear_font: bool = False
    logo: str | None = None
    clear_logo: bool = False
    default: bool | None = None


@dataclass(frozen=True)
class BrandKitInfo:
    id: str
    name: str
    colors: dict[str, str]
    font: str | None
    logo: str | None
    default: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class BrandKitPage:
    items: list[BrandKitInfo]
    next_cursor: str | None


class BrandKitService:
    """Kits of accounts; another account's kit (or logo) is NotFound, like an unknown id."""

    def __init__(
        self, engine: Engine, assets: AssetService, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._engine = engine
        self._reader = read_only(engine)
        self._assets = assets
        self._clock = lambda: as_utc(clock())

    def create(self, account_id: str, changes: KitChanges) -> BrandKitInfo:
        """A new kit; the account's first kit is its default unless `default` is false."""
        primary = changes.colors.get("primary")
        assert changes.name is not None and primary is not None, "validated by the API"
        self._check_logo(account_id, changes.logo)
        now = self._clock()
        kit = BrandKit(
            id=f"bk_{secrets.token_hex(12)}",
            account_id=account_id,
            name=changes.name,
            primary_color=primary,
            created_at=now,
            updated_at=now,
        )
        _apply(kit, changes)

        def insert(session: Session) -> BrandKit:
            has_kits = session.exec(
                select(BrandKit.id).where(BrandKit.account_id == account_id).limit(1)
            ).first()
            make_default = changes.default if changes.default is not None else not has_kits
            if make_default:
                _clear_default(session, account_id)
            fresh = BrandKit.model_validate(kit.model_dump() | {"is_default": make_default})
            session.add(fresh)
            return fresh

        return _info(self._write(account_id, insert))

    def update(self, account_id: str, kit_id: str, changes: KitChanges) -> BrandKitInfo:
        """Apply a PATCH; setting `default` true takes it from the account's other kit."""
        self._check_logo(account_id, changes.logo)

        def change(session: Session) -> BrandKit:
            kit = session.get(BrandKit, kit_id)
            if kit is None or kit.account_id != account_id:
                raise NotFound(KIT_NOT_FOUND)
            _apply(kit, changes)
            if changes.default is True and not kit.is_default:
                _clear_default(session, account_id)
                session.flush()
            if changes.default is not None:
                kit.is_default = changes.default
            kit.updated_at = self._clock()
            session.add(kit)
            return kit

        return _info(self._write(account_id, change))

    def _write(self, account_id: str, step: Callable[[Session], BrandKit]) -> BrandKit:
        """Run `step` with the account's kit writes serialized, so one kit is the default."""
        with Session(self._engine, expire_on_commit=False) as session:
            # Row lock on PostgreSQL (SQLite writers are serialized by BEGIN IMMEDIATE): two
            # requests making a kit the default cannot interleave their clear-then-set; the
            # unique index uq_brand_kits_one_default would refuse it anyway.
            session.exec(select(Account.id).where(Account.id == account_id).with_for_update())
            kit = step(session)
            session.commit()
        return kit

    def get(self, account_id: str, kit_id: str) -> BrandKitInfo:
        """The caller's kit; NotFound for unknown, deleted and other accounts' ids."""
        with Session(self._reader, expire_on_commit=False) as session:
            kit = session.get(BrandKit, kit_id)
        if kit is None or kit.account_id != account_id:
            raise NotFound(KIT_NOT_FOUND)
        return _info(kit)

    def default(self, account_id: str) -> BrandKitInfo | None:
        """The account's default kit, if it has one."""
        query = select(BrandKit).where(BrandKit.account_id == account_id, col(BrandKit.is_default))
        with Session(self._reader, expire_on_commit=False) as session:
            kit = session.exec(query).first()
        return None if kit is None else _info(kit)

    def list(self, account_id: str, limit: int, cursor: str | None = None) -> BrandKitPage:
        """The caller's kits, newest first."""
        query = select(BrandKit).where(BrandKit.account_id == account_id)
        if cursor is not None:
            after = Cursor.decode(cursor)
            query = query.where(
                or_(
                    col(BrandKit.created_at) < after.created_at,
                    (col(BrandKit.created_at) == after.created_at) & (col(BrandKit.id) < after.id),
                )
            )
        query = query.order_by(col(BrandKit.created_at).desc(), col(BrandKit.id).desc())
        with Session(self._reader, expire_on_commit=False) as session:
            rows = list(session.exec(query.limit(limit + 1)))
        page = rows[:limit]
        more = len(rows) > limit
        next_cursor = Cursor(page[-1].created_at, page[-1].id).encode() if more else None
        return BrandKitPage([_info(kit) for kit in page], next_cursor)

    def delete(self, account_id: str, kit_id: str) -> None:
        """Delete the kit; a deleted default leaves the account without one (none is promoted)."""
        with Session(self._engine) as session:
            kit = session.get(BrandKit, kit_id)
            if kit is None or kit.account_id != account_id:
                raise NotFound(KIT_NOT_FOUND)
            session.delete(kit)
            session.commit()

    def pin(self, account_id: str, kit_id: str | None, product_image: str | None) -> JobPins:
        """What a job renders with, by content; NotFound naming the field for a bad id."""
        kit: BrandKitInfo | None
        if kit_id is None:
            kit = self.default(account_id)
        else:
            try:
                kit = self.get(account_id, kit_id)
            except NotFound:
                raise _no_such("brandKit", "brand kit") from None
        product = None
        if product_image is not None:
            try:
                product = self._assets.get(account_id, product_image).pin()
            except NotFound:
                raise _no_such("productImage", "asset") from None
        return JobPins(self._pin_kit(account_id, kit) if kit else None, product)

    def _pin_kit(self, account_id: str, kit: BrandKitInfo) -> BrandKitPin:
        logo = None
        # A logo deleted as the kit was saved counts as removed, as deleting an asset does.
        with contextlib.suppress(NotFound):
            logo = self._assets.get(account_id, kit.logo).pin() if kit.logo else None
        colors = kit.colors
        return BrandKitPin(
            kit_id=kit.id,
            primary=colors["primary"],
            secondary=colors.get("secondary"),
            accent=colors.get("accent"),
            background=colors.get("background"),
            text=colors.get("text"),
            font=kit.font,
            logo=logo,
        )

    def _check_logo(self, account_id: str, logo: str | None) -> None:
        if logo is None:
            return
        try:
            self._assets.get(account_id, logo)
        except NotFound:
            raise _no_such("logo", "asset") from None


def _no_such(field_name: str, what: str) -> NotFound:
    # The contract: another account's id is 404 in every field that takes one, like unknown.
    return NotFound(f"{field_name}: no such {what} (unknown, deleted or another account's)")


def _apply(kit: BrandKit, changes: KitChanges) -> None:
    if changes.name is not None:
        kit.name = changes.name
    for role, value in changes.colors.items():
        setattr(kit, f"{role}_color", value)
    if changes.font is not None or changes.clear_font:
        kit.font = changes.font
    if changes.logo is not None or changes.clear_logo:
        kit.logo_asset_id = changes.logo


def _clear_default(session: Session, account_id: str) -> None:
    session.execute(
        update(BrandKit)
        .where(col(BrandKit.account_id) == account_id)
        .where(col(BrandKit.is_default))
        .values(is_default=False)
    )


def _info(kit: BrandKit) -> BrandKitInfo:
    colors = {role: getattr(kit, f"{role}_color") for role in COLOR_ROLES}
    return BrandKitInfo(
        id=kit.id,
        name=kit.name,
        colors={role: value for role, value in colors.items() if value is not None},
        font=kit.font,
        logo=kit.logo_asset_id,
        default=kit.is_default,
        created_at=as_utc(kit.created_at),
        updated_at=as_utc(kit.updated_at),
    )
