#!/bin/sh
# .deb post-install: install the udev rule so the logged-in user can reach modems in EDL mode
# and ModemManager leaves them alone, then reload udev.
set -e
RULE_SRC="/opt/Modem Rescue/resources/udev/60-modem-rescue.rules"
if [ -f "$RULE_SRC" ]; then
  install -m 0644 "$RULE_SRC" /etc/udev/rules.d/60-modem-rescue.rules
  if command -v udevadm >/dev/null 2>&1; then
    udevadm control --reload-rules || true
    udevadm trigger --subsystem-match=usb --attr-match=idVendor=05c6 || true
    udevadm trigger --subsystem-match=usb --attr-match=idVendor=2c7c || true
  fi
fi
exit 0
