# Two commands do all set-up on a fresh machine with Python >= 3.11 and make:
#   make lab    create .venv, install the course, open JupyterLab on notebooks/index.ipynb (self-study:
#               the nbgrader menus and sidebars are off; config in .jupyter/selfstudy)
#   make test   create .venv, install the course and test tools, run the whole test suite
#   make grade  JupyterLab for instructors and graders: the same, with nbgrader's formgrader and menus
# Environment: JUPYTER_PORT (default 8888), JUPYTER_TOKEN (default: Jupyter makes one),
#              LAB_ARGS (extra options, e.g. --no-browser), COURSE_BOOK (path to your copy of the book).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: lab grade test install validate build demo report bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp .jupyter/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $(STAMP)

install: $(STAMP)

# one JupyterLab command for both desks; `make lab` adds the self-study config (nbgrader's tools off)
JUPYTER_LAB = PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/jupyter lab $(ROOT_FLAG) \
	  --ServerApp.root_dir="$(CURDIR)" \
	  --LabApp.default_url=/lab/tree/notebooks/index.ipynb \
	  --ServerApp.port=$${JUPYTER_PORT:-8888} \
	  $${JUPYTER_TOKEN:+--IdentityProvider.token=$$JUPYTER_TOKEN} \
	  $(LAB_ARGS)

lab: $(STAMP)
	JUPYTER_CONFIG_PATH="$(CURDIR)/.jupyter/selfstudy" $(JUPYTER_LAB)

grade: $(STAMP)
	$(JUPYTER_LAB)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

validate: $(STAMP)
	$(VENV)/bin/course validate

build: $(STAMP)
	$(VENV)/bin/course build

demo: $(STAMP)
	$(VENV)/bin/course demo

bench: $(STAMP)
	for f in benchmarks/bench_*.py; do $(PY) $$f; done

clean:
	rm -rf $(VENV) release submitted autograded feedback gradebook.db .pytest_cache
