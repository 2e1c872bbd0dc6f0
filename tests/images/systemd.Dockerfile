# A "fresh VPS": a minbase root filesystem (Debian 12, or Ubuntu 24.04/22.04 from Ubuntu's
# archive; tests/images/mkrootfs.sh) with systemd as PID 1. The recipe of every target image
# whose directory has no Dockerfile of its own (debian-systemd, ubuntu-systemd).
FROM scratch
ADD rootfs.tar /
# mmdebstrap empties the apt lists but leaves a fresh directory mtime; Ansible's apt
# cache_valid_time would then skip "apt-get update" and find no packages.
RUN touch -d @0 /var/lib/apt/lists
ENV container=docker LANG=C.UTF-8
STOPSIGNAL SIGRTMIN+3
CMD ["/lib/systemd/systemd"]
