# A "fresh VPS": a minbase root filesystem (Debian 12, or Ubuntu 24.04/22.04 from Ubuntu's
# archive; tests/images/mkrootfs.sh) with systemd as PID 1 and sshd, as cloud images have.
# The recipe of every target image whose directory has no Dockerfile of its own
# (debian-systemd, ubuntu-systemd).
FROM scratch
ADD rootfs.tar /
# mmdebstrap empties the apt lists but leaves a fresh directory mtime; Ansible's apt
# cache_valid_time would then skip "apt-get update" and find no packages.
RUN touch -d @0 /var/lib/apt/lists
# Every VPS gets its own SSH host keys at first boot (cloud-init makes them on cloud images):
# none are baked into the image. They are made when sshd's socket (Ubuntu 24.04) or service
# (Ubuntu 22.04, Debian 12) starts at boot, before its config test.
RUN rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub \
 && mkdir -p /etc/systemd/system/ssh.service.d /etc/systemd/system/ssh.socket.d \
 && printf '%s\n' '[Service]' 'ExecStartPre=' 'ExecStartPre=/usr/bin/ssh-keygen -A' \
      'ExecStartPre=/usr/sbin/sshd -t' >/etc/systemd/system/ssh.service.d/host-keys.conf \
 && printf '%s\n' '[Socket]' 'ExecStartPre=/usr/bin/ssh-keygen -A' \
      >/etc/systemd/system/ssh.socket.d/host-keys.conf
ENV container=docker LANG=C.UTF-8
STOPSIGNAL SIGRTMIN+3
CMD ["/lib/systemd/systemd"]
