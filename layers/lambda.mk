# Shared by the SAM makefile builds (layers/runtime, layers/reader, functions/api, functions/batch).
# SAM runs `make build-<LogicalId>` in a scratch copy of the folder with ARTIFACTS_DIR set, so
# repository paths are taken from this file's location, never from the working directory.
LAMBDA_MK_DIR := $(dir $(abspath $(lastword $(MAKEFILE_LIST))))
REPO := $(abspath $(LAMBDA_MK_DIR)..)
# Bytecode is version-specific: it must be made by a Python 3.11, like Lambda's python3.11.
PYTHON ?= python3.11
# Wheels for Lambda's python3.11 on x86_64 (Amazon Linux 2, glibc 2.26), whatever the host is.
PIP_FOR_LAMBDA = $(PYTHON) -m pip install --quiet --disable-pip-version-check --no-compile \
	--platform manylinux2014_x86_64 --python-version 3.11 --implementation cp \
	--only-binary=:all: -c $(REPO)/constraints.txt

.PHONY: check-python
check-python:
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; assert v == (3, 11), \
		f"PYTHON={sys.executable} is {v}; Lambda python3.11 needs 3.11 bytecode"'

# $(call trim_and_compile,DIR): drop what Lambda never loads, then write bytecode that stays
# valid when zipped (unchecked-hash: no source mtimes to compare), and print the unzipped size.
define trim_and_compile
	find $(1) -depth -type d \( -name __pycache__ -o -name tests \) -exec rm -rf {} +
	find $(1) -name '*.pyi' -delete
	$(PYTHON) -m compileall -q -j 0 --invalidation-mode unchecked-hash $(1)
	@echo "$(notdir $(abspath $(1)/..))/$(notdir $(1)): \
		$$(du -s --apparent-size --block-size=1K $(1) | cut -f1) KiB unzipped"
endef
