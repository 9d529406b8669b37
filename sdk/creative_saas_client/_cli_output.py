"""What the CLI shows: rich progress bars on stderr, tables and summaries on stdout."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from creative_saas_client.cli import EXIT_INTERRUPTED, EXIT_JOB_NOT_COMPLETED, EXIT_OK
from creative_saas_client.client import CreativeSaaS
from creative_saas_client.errors import CreativeSaaSError
from creative_saas_client.models import Format, Image, Job, Language

# The CLI asks the server to hold each poll this long, so the bar moves about once a second
# while the job runs, and the answer still comes the moment the job ends.
PROGRESS_POLL_SECONDS = 1.0

# Results carry customer text (claims, paths): never read it as rich markup.
out = Console(highlight=False, soft_wrap=True, markup=False)
err = Console(stderr=True, highlight=False)


def job_exit_code(job: Job) -> int:
    return EXIT_OK if job.status == "completed" else EXIT_JOB_NOT_COMPLETED


def print_json(body: Any) -> None:
    print(json.dumps(body, indent=2, ensure_ascii=False, default=str))


def generate(client: CreativeSaaS, args: argparse.Namespace, metadata: dict[str, str]) -> int:
    """Create the job, follow it with a bar per image done, download, then summarize."""
    job = client.jobs.create(
        args.claim,
        language=args.language,
        count=args.count,
        formats=args.formats,
        cta=args.cta,
        subline=args.subline,
        badge=args.badge,
        output=args.output,
        metadata=metadata or None,
    )
    err.print(f"job {job.id}: {job.requested} image(s) of “{escape(args.claim)}”")
    try:
        job, paths = _follow_and_download(client, job, args.out, args.timeout)
    except KeyboardInterrupt:
        err.print(
            f"stopped watching; the job keeps running. Cancel it with: "
            f"creative-saas-client jobs cancel {job.id}"
        )
        return EXIT_INTERRUPTED
    if args.json:
        print_json(job.raw)
    else:
        _summary(client, job, paths)
    return job_exit_code(job)


class ImageBars:
    """A bar per image: half full once the API has rendered it, full once it is on disk;
    failed images show their code. A first row follows the job as a whole."""

    def __init__(self, progress: Progress, job: Job) -> None:
        self._progress = progress
        self._job_row = progress.add_task("job", total=job.requested, state=job.status)
        self._rows = {
            index: progress.add_task(f"image {index}", total=2, state="waiting")
            for index in range(1, job.requested + 1)
        }
        self._seen: set[int] = set()

    def update(self, job: Job) -> None:
        for image in job.images:
            if image.index in self._rows and image.index not in self._seen:
                self._seen.add(image.index)
                description = f"image {image.index} {image.format}"
                self._progress.update(
                    self._rows[image.index], completed=1, description=description, state="rendered"
                )
        for failure in job.failures:
            if failure.index in self._rows and failure.index not in self._seen:
                self._seen.add(failure.index)
                self._progress.update(
                    self._rows[failure.index],
                    description=f"image {failure.index} {failure.format}",
                    state=f"[red]✗ {failure.code}[/]",
                )
        state = f"{job.status} · {job.progress.done}/{job.requested} done"
        self._progress.update(self._job_row, completed=job.progress.done, state=state)

    def saved(self, image: Image, path: Path) -> None:
        row = self._rows.get(image.index)
        if row is not None:
            self._progress.update(row, completed=2, state=f"[green]✓[/] {escape(path.name)}")


def _follow_and_download(
    client: CreativeSaaS, job: Job, directory: Path, timeout: float
) -> tuple[Job, list[Path]]:
    columns = (
        SpinnerColumn(finished_text=" "),
        TextColumn("{task.description:<14}"),
        BarColumn(bar_width=30),
        TextColumn("{task.fields[state]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err) as progress:
        bars = ImageBars(progress, job)
        job = client.jobs.wait(
            job,
            timeout=timeout,
            poll_wait=PROGRESS_POLL_SECONDS,
            max_interval=PROGRESS_POLL_SECONDS,
            on_update=bars.update,
        )
        paths = client.jobs.download(job, directory, on_image=bars.saved)
    return job, paths


def _summary(client: CreativeSaaS, job: Job, paths: list[Path]) -> None:
    # Plain aligned lines, not a rich table: a table would cut long paths when piped.
    sizes = _format_sizes(client)
    rows = [
        (
            str(path),
            image.format,
            sizes.get(image.format, ""),
            f"{path.stat().st_size / 1024:.0f} KB",
        )
        for path, image in zip(paths, job.images, strict=True)
    ]
    rows += [(f"image {f.index} not made", f.format, f.code, "") for f in job.failures]
    widths = [max((len(row[column]) for row in rows), default=0) for column in range(4)]
    for row in rows:
        out.print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    out.print(
        f"{len(paths)} of {job.requested} image(s) saved · job {job.id} {job.status} · "
        f"{job.credits_consumed} credit(s) consumed"
    )


def _format_sizes(client: CreativeSaaS) -> dict[str, str]:
    try:
        return {f.code: f"{f.width}x{f.height}" for f in client.formats.list()}
    except CreativeSaaSError:  # sizes are a nicety; the files are already saved
        return {}


def list_jobs(
    client: CreativeSaaS, status: str | None, limit: int, every_page: bool, as_json: bool
) -> int:
    if every_page:
        rows = list(client.jobs.iterate(status=status, page_size=limit))
        cursor = None
    else:
        page = client.jobs.list(status=status, limit=limit)
        rows, cursor = page.data, page.next_cursor
    if as_json:
        print_json({"data": [dict(row.raw) for row in rows], "nextCursor": cursor})
        return EXIT_OK
    header = ("id", "status", "created", "images", "lang", "claim")
    lines = [header] + [
        (
            row.id,
            row.status,
            row.created_at.strftime("%Y-%m-%d %H:%M") if row.created_at else "",
            f"{row.produced}/{row.requested}",
            row.language,
            row.claim,
        )
        for row in rows
    ]
    # Plain aligned lines: ids stay whole for copying; only a terminal cuts long claims.
    widths = [max(len(line[column]) for line in lines) for column in range(5)]
    room = out.width - sum(widths) - 2 * len(widths) if out.is_terminal else None
    for line in lines:
        claim = (
            line[5] if room is None or len(line[5]) <= room else line[5][: max(room - 1, 8)] + "…"
        )
        out.print(
            "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=False)) + "  " + claim
        )
    if cursor:
        err.print("more jobs: add --all to list every page")
    return EXIT_OK


def show_job(job: Job, as_json: bool) -> int:
    """One job; the exit code says whether it completed (0), is running (0) or did not (3)."""
    if as_json:
        print_json(job.raw)
    else:
        created = f" · created {job.created_at:%Y-%m-%d %H:%M:%S}" if job.created_at else ""
        out.print(f"job {job.id}: {job.status}{created}")
        out.print(
            f"images {job.progress.done}/{job.requested} done · {job.produced} produced · "
            f"{job.failed} failed · {job.credits_consumed} credit(s) consumed"
        )
        for image in job.images:
            out.print(f"  {image.index} {image.format} {image.url}")
        for failure in job.failures:
            out.print(f"  {failure.index} {failure.format} {failure.code}: {failure.message}")
    return job_exit_code(job) if job.is_terminal else EXIT_OK


def download(client: CreativeSaaS, job: Job, directory: Path) -> int:
    paths = client.jobs.download(job, directory)
    for path in paths:
        out.print(str(path))
    err.print(f"{len(paths)} image(s) of job {job.id} ({job.status}) saved to {directory}")
    return job_exit_code(job)


def show_raw(body: Any, as_json: bool) -> int:
    if as_json:
        print_json(body)
    else:
        for key, value in body.items():
            out.print(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    return EXIT_OK


def show_formats(formats: list[Format], as_json: bool) -> int:
    if as_json:
        print_json([asdict(f) for f in formats])
        return EXIT_OK
    table = Table("code", "size", "name")
    for f in formats:
        table.add_row(f.code, f"{f.width}x{f.height}", f.name)
    out.print(table)
    return EXIT_OK


def show_languages(languages: list[Language], as_json: bool) -> int:
    if as_json:
        print_json([asdict(language) for language in languages])
        return EXIT_OK
    table = Table("code", "name", "default CTA")
    for language in languages:
        table.add_row(language.code, language.name, language.default_cta)
    out.print(table)
    return EXIT_OK
