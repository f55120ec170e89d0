"""False alarm removed: mkfs and friends on a regular image file are allowed; on a block
device they are denied."""

from __future__ import annotations

import pytest

ALLOWS = [
    "truncate -s 64M fixtures/ext4.img && mkfs.ext4 -F -q fixtures/ext4.img",
    "mkfs.fat -C test/fixtures/usb.img 4096",
    "dd if=/dev/zero of=disk.img bs=1M count=16",
    "mkfs.ext4 existing.img",
    "parted -s existing.img mklabel gpt",
    "lsblk",
    "fdisk -l",
]

DENIES = [
    "mkfs.ext4 /dev/sdb1",
    "sudo mkfs -t xfs /dev/nvme1n1",
    "wipefs -a /dev/sda",
    "parted -s /dev/sdb mklabel gpt",
    "sgdisk --zap-all /dev/sdc",
    "dd if=os.img of=/dev/sdb bs=4M",
    "shred -n 1 /dev/sda",
    "mkfs.ext4 \"$DEVICE\"",
]

SETUP = [{"file": "{project}/existing.img", "content": "\x00" * 16}]


@pytest.mark.parametrize("command", ALLOWS)
def test_image_files_are_allowed(verdict, command):
    result = verdict(command, setup=SETUP)
    assert result == "allow", (result.rules, result.effects)


@pytest.mark.parametrize("command", DENIES)
def test_block_devices_are_denied(verdict, command):
    result = verdict(command, setup=SETUP)
    assert result == "deny", (result.rules, result.effects)
