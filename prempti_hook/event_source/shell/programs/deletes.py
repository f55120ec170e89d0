"""Observers of programs that delete, empty or overwrite files and disks: rm, shred,
truncate, dd, rsync --delete, mkfs and partitioning tools.

They record the delete targets (`destructive.delete`) by the pattern the command names and
whether one file, many (recursive or a glob) or an overwrite in place is meant; where the
target is (project, build output, temp space, home...) is decided later, when a rule reads
`tool.delete_places` (`event_source/places.py`).
"""

from __future__ import annotations

import os

from ...paths import resolve_expanded
from ..analysis import has_marker, name_set
from .destructive import delete, effect, flags, has_pattern, operands

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..analysis import Call
    from ..evaluate import Evaluator


def _rm(ev: Evaluator, call: Call) -> None:
    """`rm [-rfdiv...] FILE...`, and rimraf/del (always recursive)."""
    args = call.argv[1:]
    recursive = call.argv[0].rsplit("/", 1)[-1] in ("rimraf", "del-cli") or bool(
        flags(args) & {"-r", "-R", "--recursive"})
    for op in operands(args):
        many = has_pattern(ev.glob_sources.get(op, op)) or (
            recursive and not _one_file(op, call.st.cwds))
        delete(ev, op, call.st, "many" if many else "one")


def _one_file(word: str, cwds: tuple) -> bool:
    """A literal operand that names one file: an existing regular file, or a name with an
    extension that is not there (`rm -rf package-lock.json`): recursion changes nothing."""
    if has_pattern(word) or word.endswith("/"):
        return False
    if _exists_as_file(word, cwds):
        return True
    name = word.rsplit("/", 1)[-1]
    exists = any(os.path.lexists(resolve_expanded(word, cwd)) for cwd in cwds
                 if not has_marker(cwd))
    return not exists and "." in name.lstrip(".") and not name.endswith(".d")


def _unlink(ev: Evaluator, call: Call) -> None:
    for op in operands(call.argv[1:]):
        delete(ev, op, call.st, "one")


def _shred(ev: Evaluator, call: Call) -> None:
    """shred/srm/wipe overwrite before deleting: nothing comes back (srm -r recurses)."""
    args = call.argv[1:]
    many = bool(flags(args) & {"-r", "-R", "--recursive"})
    for op in operands(args, name_set("-n --iterations -s --size --random-source")):
        if not op.startswith("/dev/"):  # a device is the disk rules' business
            delete(ev, op, call.st, "many" if many else "erase")


def _shrinks(size: str) -> bool:
    """A truncate size that empties or shortens the file (`0`, `-10`, `<1M`, `/2`)."""
    size = size.strip()
    return size in ("0", "0K", "0M", "0G", "0k") or size[:1] in ("-", "<", "/") or (
        size.isdigit() and int(size) == 0)


def _truncate(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    size = None
    for k, arg in enumerate(args):
        if arg in ("-s", "--size") and k + 1 < len(args):
            size = args[k + 1]
        elif arg.startswith("--size="):
            size = arg.partition("=")[2]
        elif arg.startswith("-s") and len(arg) > 2:
            size = arg[2:]
    if size is None or not _shrinks(size):
        return
    for op in operands(args, name_set("-s --size -r --reference -o")):
        delete(ev, op, call.st, "erase")


def _exists_as_file(word: str, cwds: tuple) -> bool:
    if has_marker(word):
        return False
    return any(os.path.isfile(resolve_expanded(word, cwd)) for cwd in cwds
               if not has_marker(cwd))


def _dd(ev: Evaluator, call: Call) -> None:
    """`dd of=FILE` overwrites an existing file (a device is the disk rules' business)."""
    for arg in call.argv[1:]:
        if arg.startswith("of="):
            target = arg[3:]
            if not target.startswith("/dev/") and _exists_as_file(target, call.st.cwds):
                delete(ev, target, call.st, "erase")


_RSYNC_VALUES = name_set("-e --rsh --rsync-path --exclude --include --exclude-from "
                         "--include-from --files-from --filter -f --max-size --min-size "
                         "--partial-dir --temp-dir -T --compare-dest --copy-dest --link-dest "
                         "--log-file --password-file --port --chmod --chown --usermap "
                         "--groupmap --timeout --contimeout --bwlimit --backup-dir --suffix "
                         "--out-format --info --debug --iconv --block-size -B --modify-window")


def _rsync(ev: Evaluator, call: Call) -> None:
    """`rsync --delete SRC DEST`: what DEST holds and SRC does not is deleted."""
    args = call.argv[1:]
    opts = flags(args)
    if not any(o.startswith(("--delete", "--del")) for o in opts) or opts & {"-n",
                                                                             "--dry-run"}:
        return
    ops = operands(args, _RSYNC_VALUES)
    if len(ops) < 2:
        return
    dest = ops[-1]
    head, colon, _rest = dest.partition(":")
    if "://" in dest or (colon and "/" not in head):
        return  # a remote destination: the network rules ask about it
    delete(ev, dest.rstrip("/") + "/*", call.st, "many")


def _disk(ev: Evaluator, call: Call) -> None:
    """mkfs, wipefs, partitioning tools: formatting a block device (not an image file).
    Their options differ too much to parse one by one: a word naming /dev/... is a device;
    else a word naming an existing regular file or an image file (`x.img`) is an image; with
    neither, the target is unknown and counts as a device."""
    args = call.argv[1:]
    opts = flags(args)
    if opts & {"-l", "--list", "-h", "--help", "-V", "--version", "--print"} or \
            "print" in args:
        return
    words = [a for a in args if not a.startswith("-")]
    if any(w.startswith("/dev/") for w in words) or not any(
            _is_image(w, call.st.cwds) for w in words):
        effect(ev, "disk.format")


_IMAGE_SUFFIXES = (".img", ".iso", ".raw", ".bin", ".qcow2", ".vhd", ".vhdx", ".vmdk",
                   ".dmg", ".image", ".fs")


def _is_image(word: str, cwds: tuple) -> bool:
    """A regular file used as a disk image, or a file named like one (`fixtures/fs.img`)."""
    if word.startswith("/dev/") or has_marker(word):
        return False
    return _exists_as_file(word, cwds) or word.lower().endswith(_IMAGE_SUFFIXES)


OBSERVERS: dict = {
    "rm": _rm, "rimraf": _rm, "del-cli": _rm, "unlink": _unlink, "shred": _shred,
    "srm": _shred, "wipe": _shred, "truncate": _truncate, "dd": _dd, "rsync": _rsync,
}
OBSERVERS.update(dict.fromkeys(
    name_set("mkfs mke2fs mkfs.ext2 mkfs.ext3 mkfs.ext4 mkfs.xfs mkfs.btrfs mkfs.vfat mkfs.fat "
     "mkfs.msdos mkfs.ntfs mkfs.exfat mkfs.f2fs mkswap newfs newfs_apfs wipefs fdisk sfdisk "
     "cfdisk parted gdisk sgdisk blkdiscard"), _disk))
