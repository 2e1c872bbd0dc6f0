"""Behaviour of onebox.vps.base on the four test hosts (see ../molecule.yml)."""

import pytest
from testinfra_helpers import sh

KEYS = [
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDNzgt2fM8fSR0uJlFE+0+ICtN9/Tybx+Nn5Wp/eM4Ol"
    " molecule-admin",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAXYeE7pEd4ZB6BGNu1sdUmdxDr0/SLPpzXIr4aMJneq"
    " molecule-admin-2",
]


def name(host):
    return host.backend.get_hostname()


# the hosts with the swap file and Europe/Berlin (../molecule.yml's host_vars); the others have
# swap off, Etc/UTC and jq
SWAP_HOSTS = {"onebox-base-swap", "onebox-base-jammy"}


def swap_host(host):
    return name(host) in SWAP_HOSTS


def test_admin_user_can_sudo_without_password(host):
    user = host.user("ops")
    assert user.shell == "/bin/bash"
    assert "sudo" in user.groups
    assert sh(host, "runuser -u ops -- sudo -n id -u").strip() == "0"


def test_other_users_cannot_sudo(host):
    result = host.run("runuser -u nobody -- sudo -n true")
    assert result.rc != 0


def test_admin_keys_installed_exclusively(host):
    keys = host.file("/home/ops/.ssh/authorized_keys")
    assert keys.user == "ops"
    assert keys.mode == 0o600
    assert host.file("/home/ops/.ssh").mode == 0o700
    assert [line for line in keys.content_string.splitlines() if line] == KEYS


def test_admin_home_is_private(host):
    assert host.file("/home/ops").mode == 0o750
    # another user can neither list nor read it; the admin can
    assert host.run("runuser -u nobody -- ls /home/ops").rc != 0
    assert host.run("runuser -u nobody -- cat /home/ops/.profile").rc != 0
    assert host.run("runuser -u ops -- ls /home/ops/.ssh").rc == 0


def test_sudoers_drop_in_is_valid(host):
    assert host.run("visudo -c").rc == 0


def test_chrony_running_with_configured_sources(host):
    service = host.service("chrony")
    assert service.is_running
    assert service.is_enabled
    assert "127.0.0.1" in sh(host, "chronyc -n sources")
    assert "pool.ntp.org" not in host.file("/etc/chrony/chrony.conf").content_string


def test_chrony_replaced_systemd_timesyncd(host):
    # prepare.yml installed systemd-timesyncd, the time daemon Ubuntu and Debian start with:
    # one time daemon only, chrony
    assert host.package("chrony").is_installed
    assert not host.package("systemd-timesyncd").is_installed
    assert not host.service("systemd-timesyncd").is_running


def test_chrony_only_measures_time_in_a_container(host):
    # the test container has no CAP_SYS_TIME: chronyd must run with -x (never set the clock)
    cmdline = host.run("cat /proc/$(pidof chronyd | cut -d' ' -f1)/cmdline | tr '\\0' ' '")
    assert " -x" in cmdline.stdout


def test_timezone(host):
    want = "Europe/Berlin" if swap_host(host) else "Etc/UTC"
    assert host.file("/etc/localtime").linked_to.endswith("/" + want)
    assert host.run("timedatectl show -p Timezone --value").stdout.strip() == want


def test_packages(host):
    for pkg in ("ca-certificates", "curl", "logrotate", "rsync", "chrony"):
        assert host.package(pkg).is_installed, pkg
    assert host.package("jq").is_installed == (not swap_host(host))


def test_swap_file_as_configured(host):
    swapfile = host.file("/swapfile")
    fstab = host.file("/etc/fstab").content_string
    if swap_host(host):
        assert swapfile.is_file
        assert swapfile.mode == 0o600
        assert swapfile.user == "root"
        assert swapfile.size == 64 * 1024 * 1024
        assert host.run("blkid -p -o value -s TYPE /swapfile").stdout.strip() == "swap"
        assert any(line.split()[:3] == ["/swapfile", "none", "swap"] for line in fstab.splitlines())
    else:
        assert not swapfile.exists
        assert "/swapfile" not in fstab
    # never turned on in a test container: swap is kernel-global (base_swap_activate: false)
    assert "/swapfile" not in host.file("/proc/swaps").content_string


def test_journald_applies_the_size_cap(host):
    # journald reports the cap it computed when it (re)opens the system journal
    assert host.file("/var/log/journal").is_directory
    log = host.run("journalctl -b -u systemd-journald --no-pager -o cat")
    assert "max 64.0M" in log.stdout, log.stdout[-2000:]


@pytest.mark.parametrize(
    "path", ["/etc/chrony/chrony.conf", "/etc/systemd/journald.conf.d/50-onebox.conf"]
)
def test_managed_files_say_so(host, path):
    assert "Ansible managed" in host.file(path).content_string


def test_needrestart_neither_prompts_nor_restarts_services_during_apt(host):
    """prepare.yml installed needrestart as on Ubuntu Server. A service whose binary is replaced
    (its process now maps a deleted file) is one needrestart wants restarted; an apt run as
    Ansible makes it (non-interactive, no terminal) must finish and leave the service's process
    alone. Without the role's setting, needrestart restarts it (seen on Ubuntu 24.04)."""
    conf = host.file("/etc/needrestart/conf.d/90-onebox.conf").content_string
    assert "$nrconf{restart} = 'l';" in conf
    host.run("systemctl stop nr-probe; rm -rf /opt/nr-probe")
    sh(host, "mkdir -p /opt/nr-probe && cp /usr/bin/sleep /opt/nr-probe/sleep")
    sh(host, "systemd-run --unit nr-probe /opt/nr-probe/sleep infinity")
    try:
        pid = host.run("systemctl show -p MainPID --value nr-probe").stdout.strip()
        assert pid not in ("", "0")
        sh(host, "cp /usr/bin/sleep /opt/nr-probe/new && mv /opt/nr-probe/new /opt/nr-probe/sleep")
        # needrestart itself sees the service as one to restart
        assert "NEEDRESTART-SVC: nr-probe.service" in host.run("needrestart -b").stdout
        apt = host.run(
            "DEBIAN_FRONTEND=noninteractive timeout 300 "
            "apt-get install --reinstall -y logrotate </dev/null"
        )
        assert apt.rc == 0, apt.stdout[-2000:] + apt.stderr
        assert "nr-probe.service" in apt.stdout + apt.stderr  # listed ...
        after = host.run("systemctl show -p MainPID --value nr-probe").stdout.strip()
        assert after == pid  # ... not restarted
    finally:
        host.run("systemctl stop nr-probe; rm -rf /opt/nr-probe")
