"""Typst source to PDF/A-2b files, each document laid out once, on every core when there is
enough of it.

A `Layout` is one Typst document made of parts (the letters of a print batch): Typst lays
it out once, the whole is written as one PDF, and pikepdf copies each part's pages into a
PDF of its own.

Where a part begins comes from the layout itself: the source begins every part with a
bookmark (a hidden heading), and pikepdf reads the pages from the PDF's outline (no text is
read back). It numbers every page of a part ("pagina 2 van 3") by laying over it a page laid
out once with only that number, and adds after each part its last page, the same for every
part (`Paging`). No page asks the layout where a part ends, so Typst lays the document out
in one pass: a footer that counted its own part's pages made it lay out everything twice,
a third of the time a letter took. Every file is hashed as it is written, so the manifest
need not read it again.

Typst holds the interpreter while it lays out pages and uses a second core only in part,
so a large night compiles in separate worker processes, one per core, each with one Typst
thread (two processes of two threads each on two cores spent a fifth of their time waiting
for each other): `python -m vsig.io.pdf`, which needs
nothing but Typst and pikepdf and starts in a moment (a multiprocessing pool would first
import all of vsig again in every worker). A layout's source is made when its worker is
about to need it, and goes to the worker through its standard input while the worker lays
out the one before. A worker takes a batch of bounded size and then ends, so its memory
(what Typst keeps between compilations) stays small however many letters a night has, and
the main process never holds the sources of the whole night. Each layout is compiled on
its own, so its bytes never depend on how the work was spread.
"""

import ctypes
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from functools import cache, partial
from itertools import pairwise
from pathlib import Path
from typing import IO, Final, NamedTuple, Protocol

import pikepdf
import typst

from vsig.templates import FONTS

PDF_STANDARD: Final = "a-2b"
PARALLEL_FROM: Final = 80
"""Below this many parts (letters) one process is quicker."""
BATCH: Final = 1_000
"""Parts (letters) per worker process. Typst keeps part of every document it lays out
until its process ends (some 0.3 MB a page), so a worker that lived all night grew to
gigabytes; one that starts (0.15 s) per batch stays in the hundreds of megabytes."""
SOURCE_NAME: Final = "opmaak.typ"
CATALOGUE: Final = ("/Metadata", "/OutputIntents", "/Lang", "/ViewerPreferences")
"""What a part takes from its whole besides the pages: the XMP metadata that declares
PDF/A-2b, the output intent PDF/A requires, the language and how a viewer titles it."""


PAGE_COUNT: Final = "{http://ns.adobe.com/xap/1.0/t/pg/}NPages"
"""XMP's `xmpTPg:NPages`."""


class LayoutError(ValueError):
    """A source that does not bookmark where each of its parts begins (a letter template
    of an older vsig, say); names the file, never its contents."""


LAYOUT_FAILED: Final = 3
"""A worker's exit code for a `LayoutError`, which it reports on its last line."""


class Parts(Protocol):
    """Where a layout's parts go, in the order of its source: counted, and named when
    they are sent to a worker (a tuple, or paths made only then)."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Path]: ...


@dataclass(frozen=True)
class Layout:
    """One Typst document (`source`), written whole to `whole` and, split where its parts
    begin, to one file per part (`parts`). The source is made when a worker is about to
    take it, so that a night never holds all of its sources."""

    source: Callable[[], str]
    whole: Path
    parts: Parts
    paging: "Paging"


@dataclass(frozen=True)
class Paging:
    """The page numbers and the last page vsig adds to every part of a layout."""

    number: str
    """Typst source of an empty page that shows, where a page's number goes, page
    `sys.inputs.pagina` of `sys.inputs.van`: laid over each page."""
    back: str
    """Typst source of the page each part ends with."""


class Written(NamedTuple):
    """A PDF as written: its pages (from the layout) and the SHA-256 of its bytes."""

    pages: int
    sha256: str


@cache
def _compiler() -> typst.Compiler:
    # No system fonts: Typst finds only its embedded fonts and vsig's own (one file per
    # style; the templates use Source Sans Pro), so every machine writes the same bytes.
    return typst.Compiler(font_paths=[str(FONTS)], ignore_system_fonts=True)


def render(source: str, created: datetime) -> bytes:
    """One PDF/A-2b document whose creation time is `created`."""
    pdf = _compiler().compile(
        source.encode("utf-8"), format="pdf", pdf_standards=PDF_STANDARD, timestamp=created
    )
    assert isinstance(pdf, bytes)  # one PDF, not pages: no output path was given
    return pdf


def lay_out(
    layouts: list[Layout], created: datetime, tick: Callable[[int], None] = lambda _: None
) -> dict[Path, Written]:
    """Lay out each document once and write it whole and in parts; `tick` hears how many
    parts are written. Returns every file written."""
    written: dict[Path, Written] = {}
    workers = os.cpu_count() or 1
    crew = _Workers(tick, written)
    if workers == 1 or sum(len(layout.parts) for layout in layouts) < PARALLEL_FROM:
        try:
            for layout in layouts:
                for path, result in _lay_out_one(layout, created):
                    crew.one_written(path, result, {layout.whole})
        finally:  # every document that took their pages is saved: a long process keeps none
            _back.cache_clear()
            _numbers.cache_clear()
        return written
    with ThreadPoolExecutor(workers) as pool:
        try:
            batches = [pool.submit(crew.compile, b, created) for b in _batches(layouts)]
            failure = _first_failure(batches)
        except BaseException:  # Ctrl-C: the workers stop now, not after their batches
            pool.shutdown(wait=False, cancel_futures=True)
            crew.stop()
            raise
        if failure is not None:  # the night fails now, not after laying out the rest
            pool.shutdown(wait=False, cancel_futures=True)
            crew.stop()
    if failure is not None:
        raise failure
    return written


def _first_failure(batches: "list[Future[Exception | None]]") -> Exception | None:
    """The first batch to fail, or none once all are done; waited for in short spells: a
    wait without end let a Ctrl-C that came in meanwhile wait for a batch to be done (5 s)
    before it could stop the run."""
    pending = set(batches)
    while pending:
        done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
        for batch in sorted(done, key=batches.index):
            if (failed := batch.result()) is not None:
                return failed
    return None


def concatenate(wholes: list[Path], target: Path) -> str:
    """The pages of `wholes`, one after another, as one PDF/A-2b file; its SHA-256.

    The catalogue and metadata are the first file's: every whole comes from the same
    house style and creation time."""
    with ExitStack() as opened:
        first, *rest = (opened.enter_context(pikepdf.open(path)) for path in wholes)
        for more in rest:  # the sources stay open until the save: qpdf copies lazily
            first.pages.extend(more.pages)
        return _write(target, _saved(first, first.pdf_version))


def _lay_out_one(layout: Layout, created: datetime) -> Iterator[tuple[Path, Written]]:
    """Compile once, find where the parts end (number their pages, add their last page),
    write the whole, then each part."""
    folder = layout.whole.parent
    source = folder / f".{layout.whole.stem}-{SOURCE_NAME}"
    source.write_text(layout.source(), encoding="utf-8")
    try:
        # The file's own folder is Typst's root: a source can read nothing else (and data
        # never reaches it as markup, see letters.typst_literal).
        compiler = typst.Compiler(
            input=str(source), root=str(folder), font_paths=[str(FONTS)], ignore_system_fonts=True
        )
        whole = compiler.compile(
            format="pdf", pdf_standards=PDF_STANDARD, timestamp=created, pdf_tags=False
        )
        assert isinstance(whole, bytes)
    finally:
        source.unlink()
    with pikepdf.open(io.BytesIO(whole)) as document:
        ends = _paged(document, layout, created)
        # Typst counted the pages before vsig added some, and a part is fewer: the count
        # is optional, and a wrong one worse than none.
        with document.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            if PAGE_COUNT in xmp:
                del xmp[PAGE_COUNT]
        whole = _saved(document, document.pdf_version)
        yield layout.whole, Written(ends[-1] if ends else 0, _write(layout.whole, whole))
        start = 0
        for end, target in zip(ends, layout.parts, strict=True):
            part = _part(document, start, end)
            yield target, Written(end - start, _write(target, _saved(part, document.pdf_version)))
            start = end


def _paged(document: pikepdf.Pdf, layout: Layout, created: datetime) -> list[int]:
    """`document` with every page of a part numbered and the back page after each part;
    where the parts now end. The bookmarks that marked the parts are removed: a print file
    needs none."""
    starts = _bookmarked(document)
    if (
        len(starts) != len(layout.parts)
        or starts[:1] not in ([], [0])
        or any(later <= earlier for earlier, later in pairwise(starts))
    ):
        raise LayoutError(
            f"{layout.whole.name}: the source marks {len(starts)} beginnings of parts, for "
            f"{len(layout.parts)} parts, with a bookmark on the first page of each"
        )
    ends = [*starts[1:], len(document.pages)] if starts else []
    paging = layout.paging
    numbers: dict[tuple[int, int], pikepdf.Object] = {}

    def number(page: int, of: int) -> pikepdf.Object:
        if (page, of) not in numbers:
            numbers[page, of] = document.copy_foreign(_number(paging, page, of, created))
        return numbers[page, of]

    for start, end in zip(starts, ends, strict=True):
        for page in range(start, end):
            _lay_over(document.pages[page], page - start + 1, end - start + 1, number)
    backs: dict[int, pikepdf.Page] = {}
    for start, end in reversed(list(zip(starts, ends, strict=True))):
        of = end - start + 1
        if of in backs:
            # A page already in the document goes in again as a shallow copy: its
            # content and fonts are in the file once.
            document.pages.insert(end, backs[of])
        else:
            document.pages.insert(end, _back(paging, of, created).pages[0])
            backs[of] = document.pages[end]
    return [end + n for n, end in enumerate(ends, start=1)]


def _bookmarked(document: pikepdf.Pdf) -> list[int]:
    """The pages the outline's entries point to, in its order (-1 for an entry that points
    to no page of the document); the outline is removed."""
    if "/Outlines" not in document.Root:
        return []
    index = {page.obj.objgen: n for n, page in enumerate(document.pages)}
    pages = []
    entry = document.Root.Outlines.get("/First")
    while entry is not None:
        where = entry.get("/Dest")
        page = where[0] if isinstance(where, pikepdf.Array) and len(where) else None
        pages.append(index.get(page.objgen, -1) if isinstance(page, pikepdf.Dictionary) else -1)
        entry = entry.get("/Next")
    del document.Root.Outlines
    if document.Root.get("/PageMode") == "/UseOutlines":
        del document.Root.PageMode
    return pages


def _number(paging: Paging, page: int, of: int, created: datetime) -> pikepdf.Object:
    """Page `page` of `of` as a form to lay over a page."""
    return _numbers(paging, page, of, created)[1]


@cache
def _numbers(
    paging: Paging, page: int, of: int, created: datetime
) -> tuple[pikepdf.Pdf, pikepdf.Object]:
    """`_number`, laid out once per process, with its PDF: kept open, as qpdf copies the
    form only when a document that took it is saved."""
    laid = _one_page(_laid(paging.number, created, pagina=str(page), van=str(of)), "page number")
    return laid, laid.pages[0].as_form_xobject()


@cache
def _back(paging: Paging, of: int, created: datetime) -> pikepdf.Pdf:
    """The back page as page `of` of `of`, laid out and numbered once per process: a PDF
    of its own for each number, as a page copied in twice from one PDF is one page."""
    back = _one_page(_laid(paging.back, created), "last page")

    def number(page: int, of: int) -> pikepdf.Object:
        return back.copy_foreign(_number(paging, page, of, created))

    _lay_over(back.pages[0], of, of, number)
    return back


def _lay_over(
    page: pikepdf.Page, number: int, of: int, form: Callable[[int, int], pikepdf.Object]
) -> None:
    """Draw `form(number, of)` over `page`, which has the same size. By hand rather than
    pikepdf's `add_overlay`, which names the form at random (the bytes would differ on a
    replay) and rewrites the page's content into one stream."""
    name = pikepdf.Name(f"/VsigPagina{number}van{of}")
    if "/XObject" not in page.Resources:
        page.Resources.XObject = pikepdf.Dictionary()
    page.Resources.XObject[name] = form(number, of)
    page.contents_add(b"q\n", prepend=True)
    page.contents_add(b"Q\n" + name.unparse() + b" Do\n")


def _one_page(laid: bytes, what: str) -> pikepdf.Pdf:
    """`laid` as a PDF of one page: a longer one would be cut off where vsig takes its page."""
    document = pikepdf.open(io.BytesIO(laid))
    if len(document.pages) != 1:
        raise LayoutError(f"the {what} every letter shares runs to {len(document.pages)} pages")
    return document


def _laid(source: str, created: datetime, **inputs: str) -> bytes:
    """A page vsig adds to the layouts (a back page, a page number). Its root is an empty
    folder of its own, so a source can read nothing."""
    with tempfile.TemporaryDirectory() as root:
        path = Path(root) / SOURCE_NAME
        path.write_text(source, encoding="utf-8")
        laid = typst.Compiler(
            input=str(path),
            root=root,
            font_paths=[str(FONTS)],
            ignore_system_fonts=True,
            sys_inputs=inputs,
        ).compile(format="pdf", pdf_standards=PDF_STANDARD, timestamp=created, pdf_tags=False)
    assert isinstance(laid, bytes)
    return laid


def _part(document: pikepdf.Pdf, start: int, end: int) -> pikepdf.Pdf:
    """Pages `start` up to `end` of `document` as a PDF of their own, with what PDF/A asks
    of a document; only what those pages use comes along (pikepdf copies what they
    reference, never the other pages)."""
    part = pikepdf.new()
    part.pages.extend(document.pages[start:end])
    for key in CATALOGUE:
        if key in document.Root:
            part.Root[key] = _copied(part, document.Root[key])
    part.trailer.Info = _copied(part, document.trailer.Info)
    return part


def _copied(target: pikepdf.Pdf, value: pikepdf.Object) -> pikepdf.Object:
    """`value`, of another PDF, in `target`: an indirect object with everything it refers
    to; a direct one (a language, viewer preferences) from its text."""
    if value.is_indirect:
        return target.copy_foreign(value)
    return pikepdf.Object.parse(value.unparse())


def _saved(document: pikepdf.Pdf, version: str) -> bytes:
    buffer = io.BytesIO()
    # A trailer /ID from the content (PDF/A needs one), not from the clock: the same bytes
    # on a replay. The XMP stays as Typst wrote it. Streams are copied as Typst compressed
    # them: qpdf would otherwise inflate and deflate every font again, a third of a save.
    document.save(
        buffer,
        deterministic_id=True,
        fix_metadata_version=False,
        min_version=version,
        stream_decode_level=pikepdf.StreamDecodeLevel.none,
    )
    return buffer.getvalue()


def _write(target: Path, data: bytes) -> str:
    target.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


class _Workers:
    """The worker processes of one `lay_out`, started and stopped together, and what they
    wrote, counted."""

    def __init__(self, tick: Callable[[int], None], written: dict[Path, Written]) -> None:
        self.tick, self.written, self.lock = tick, written, threading.Lock()
        self.parts = 0
        self.running: list[subprocess.Popen[bytes]] = []
        self.stopped = False

    def compile(self, batch: list[Layout], created: datetime) -> Exception | None:
        """Lay out a batch in a worker process, which names each PDF it wrote on a line of
        its own; what went wrong when it fails, from its last line of errors."""
        wholes = {layout.whole for layout in batch}
        with tempfile.TemporaryFile() as errors:
            worker = self._start(created, errors)
            if worker is None:
                return RuntimeError("a PDF worker failed: stopped")
            assert worker.stdout is not None
            # Sources are made and sent while the worker lays out the ones before, and its
            # lines are read meanwhile: neither side waits for the other's pipe.
            feeding = _Feeder(worker, batch)
            feeding.start()
            with worker.stdout:
                for line in worker.stdout:
                    path, pages, sha = line.decode("utf-8").rstrip("\n").split("\t")
                    self.one_written(Path(path), Written(int(pages), sha), wholes)
            code = worker.wait()
            feeding.join()
            if feeding.failed is not None:  # a template that failed: its own error
                return feeding.failed
            if code == 0:
                return None
            errors.seek(0)
            lines = errors.read().decode("utf-8", "replace").strip().splitlines()
            last = lines[-1] if lines else "no message"
            return (
                LayoutError(last)
                if code == LAYOUT_FAILED
                else RuntimeError(f"a PDF worker failed: {last}")
            )

    def _start(self, created: datetime, errors: IO[bytes]) -> "subprocess.Popen[bytes] | None":
        with self.lock:
            if self.stopped:
                return None
            worker = subprocess.Popen(
                [sys.executable, "-m", "vsig.io.pdf", created.isoformat(), str(os.getpid())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                env=os.environ | {"RAYON_NUM_THREADS": "1"},
            )
            self.running.append(worker)
            return worker

    def one_written(self, path: Path, result: Written, wholes: set[Path]) -> None:
        with self.lock:
            self.written[path] = result
            if path not in wholes:
                self.parts += 1
                self.tick(self.parts)

    def stop(self) -> None:
        with self.lock:
            self.stopped = True
            for worker in self.running:
                worker.kill()


class _Feeder(threading.Thread):
    """Makes a batch's sources and sends them to its worker, one layout at a time."""

    def __init__(self, worker: "subprocess.Popen[bytes]", batch: list[Layout]) -> None:
        super().__init__(daemon=True)
        self.worker, self.batch = worker, batch
        self.failed: Exception | None = None

    def run(self) -> None:
        assert self.worker.stdin is not None
        try:
            with self.worker.stdin:  # closing it flushes, which a stopped worker refuses too
                for frame in _frames(self.batch):
                    self.worker.stdin.write(frame)
        except BrokenPipeError:  # the worker ended or was stopped: its exit code says why
            pass
        except Exception as error:  # handed to the thread that waits for the worker
            self.failed = error
            self.worker.kill()


def _batches(layouts: list[Layout]) -> list[list[Layout]]:
    """The layouts, longest first, in batches of about `BATCH` parts: the longest first so
    that no large one is left for the end of the night."""
    batches: list[list[Layout]] = [[]]
    size = 0
    for layout in sorted(layouts, key=lambda layout: -len(layout.parts)):
        if size and size + len(layout.parts) > BATCH:
            batches.append([])
            size = 0
        batches[-1].append(layout)
        size += len(layout.parts)
    return batches


def _frames(layouts: list[Layout]) -> Iterator[bytes]:
    """Each layout as a JSON line `[whole, [parts], [lengths]]`, then that many bytes of
    source, of page number and of last page."""
    for layout in layouts:
        paging = layout.paging
        texts = [t.encode("utf-8") for t in (layout.source(), paging.number, paging.back)]
        header = [str(layout.whole), [str(p) for p in layout.parts], [len(t) for t in texts]]
        yield b"".join([json.dumps(header).encode() + b"\n", *texts])


def _unframed(stream: IO[bytes]) -> Iterator[Layout]:
    while header := stream.readline():
        whole, parts, lengths = json.loads(header)
        source, number, back = (stream.read(length).decode("utf-8") for length in lengths)
        paging = Paging(number, back)
        yield Layout(partial(str, source), Path(whole), tuple(Path(p) for p in parts), paging)


PR_SET_PDEATHSIG: Final = 1  # from <linux/prctl.h>


def _die_with(parent: int) -> None:
    """A worker of a killed run must not write on into the folder the next run clears (it
    made that run fail, `Directory not empty`): Linux ends it with its parent."""
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _work(created: str, parent: str) -> None:
    _die_with(int(parent))
    moment = datetime.fromisoformat(created)
    try:
        for layout in _unframed(sys.stdin.buffer):
            for path, (pages, sha) in _lay_out_one(layout, moment):
                print(f"{path}\t{pages}\t{sha}", flush=True)
    except LayoutError as error:
        print(error, file=sys.stderr)
        sys.exit(LAYOUT_FAILED)


if __name__ == "__main__":
    _work(*sys.argv[1:])
