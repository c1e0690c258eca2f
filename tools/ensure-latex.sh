#!/usr/bin/env bash
# Make sure pdflatex + latexmk (and pdftotext for the tests) exist: install Debian's TeX Live
# packages when missing and running as root, otherwise say exactly what to install.
set -euo pipefail
PKGS="texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended lmodern latexmk poppler-utils"
missing=0
for tool in pdflatex latexmk pdftotext; do
  command -v "$tool" >/dev/null 2>&1 || missing=1
done
[ "$missing" = 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing LaTeX: $PKGS" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PKGS >/dev/null
else
  echo "LaTeX is missing. Install it with:" >&2
  echo "  sudo apt-get install --no-install-recommends $PKGS" >&2
  echo "or run the workflow with --sdm conda (envs/latex.yaml provides TeX Live)." >&2
  exit 1
fi
