"""Does the CFS layer use only what the running ansible-core, Jinja2 and collections have?

Run with the Python of the core under test (test_aee_compat.py runs it with the AEE replica's):
    python aee_compat.py ROOT FILE_OR_DIR...
Reads every task file, handler file and playbook given, and prints JSON: the modules, module
options, task keywords, Jinja2 filters and tests that this Ansible does not have, and the counts
of what it checked (so that a test can tell "nothing wrong" from "nothing read").
"""
import importlib.util
import json
import os
import subprocess
import sys

import jinja2
import jinja2.nodes
import yaml
from ansible.playbook.block import Block
from ansible.playbook.play import Play
from ansible.playbook.task import Task
from ansible.plugins.loader import add_all_plugin_dirs, filter_loader, test_loader


def keywords(cls):
    """The keywords of a playbook object on this core (renamed fattributes in 2.14)."""
    return set(getattr(cls, "fattributes", None) or cls._valid_attrs)


# Task keys that are not the module: keywords of this core, plus the block and loop forms.
KEYWORDS = keywords(Task) | keywords(Block) | {"local_action"}
# Actions whose arguments are not options (free-form facts or host variables, or a file name).
FREE_ARGS = {"ansible.builtin.set_fact", "ansible.builtin.add_host", "ansible.builtin.include_tasks",
             "ansible.builtin.import_tasks"}
# Bare Jinja2 expressions (no {{ }}).
BARE = {"when", "changed_when", "failed_when", "until", "that"}


def yaml_files(paths):
    for p in paths:
        if os.path.isdir(p):
            for d, _subdirs, files in sorted(os.walk(p)):
                for f in sorted(files):
                    if f.endswith((".yml", ".yaml")) and os.sep + "meta" not in d:
                        yield os.path.join(d, f)
        else:
            yield p


def tasks_of(doc):
    """Every task dict in a task file, a handler file or a playbook (blocks and plays opened)."""
    for item in doc or []:
        if not isinstance(item, dict):
            continue
        if "hosts" in item:  # a play
            yield ("play", item)
            for section in ("pre_tasks", "tasks", "post_tasks", "handlers"):
                yield from tasks_of(item.get(section))
        elif "block" in item:
            yield ("block", item)
            for section in ("block", "rescue", "always"):
                yield from tasks_of(item.get(section))
        else:
            yield ("task", item)


def strings(value, key=None):
    """(key, string) for every string under value; key is the nearest mapping key."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from strings(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v, key)
    elif isinstance(value, str):
        yield key, value


def jinja_names(env, key, text):
    """Filter and test names used in one template string (or bare expression)."""
    if key in BARE:
        text = "{{ %s }}" % text
    elif "{{" not in text and "{%" not in text:
        return set(), set()
    ast = env.parse(text)
    return ({n.name for n in ast.find_all(jinja2.nodes.Filter)}, {n.name for n in ast.find_all(jinja2.nodes.Test)})


def available(loader, attr):
    """Bare filter or test names this core resolves (ansible.builtin's)."""
    names = set()
    for plugin in loader.all():
        if hasattr(plugin, attr):  # up to 2.13: one plugin file maps names to functions
            names.update(getattr(plugin, attr)())
        elif plugin.ansible_name.startswith("ansible.builtin."):  # 2.14 and newer: one object per name
            names.add(plugin.ansible_name.rsplit(".", 1)[1])
        elif "." not in plugin.ansible_name:  # 2.14 and newer, from a role's filter_plugins/: its bare name
            names.add(plugin.ansible_name)
    return names


def collection_filters(root):
    """cray.csm.NAME for every filter of the checkout's plugins/filter, each file loaded by this core's Python
    (a role runs them only from the installed collection; they must load on this core)."""
    names = set()
    folder = os.path.join(root, "plugins", "filter")
    for f in sorted(os.listdir(folder)) if os.path.isdir(folder) else ():
        if f.endswith(".py"):
            spec = importlib.util.spec_from_file_location("cray_csm_filter_" + f[:-3], os.path.join(folder, f))
            module = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
            except ImportError:  # it imports from the collection, or something this core lacks: not counted
                continue
            names.update("cray.csm." + n for n in module.FilterModule().filters())
    return names


def main(root, paths):
    env = jinja2.Environment()
    for p in paths:  # a role run by path brings its own filter_plugins/ (the core adds them as it loads the role)
        for d, subdirs, _files in sorted(os.walk(p)) if os.path.isdir(p) else ():
            if "filter_plugins" in subdirs:
                add_all_plugin_dirs(d)
    filters = set(env.filters) | available(filter_loader, "filters") | collection_filters(root)
    tests = set(env.tests) | available(test_loader, "tests")
    play_keys = keywords(Play) | {"roles", "tasks", "pre_tasks", "post_tasks", "handlers", "vars_files"}
    used_modules = {}
    problems = {"modules": [], "options": [], "keywords": [], "filters": [], "tests": []}
    count = {"files": 0, "tasks": 0, "templates": 0}
    for path in yaml_files(paths):
        with open(path) as f:
            doc = yaml.safe_load(f)
        count["files"] += 1
        rel = os.path.relpath(path, root)
        if isinstance(doc, dict):  # defaults/, vars/: templates only
            doc = [{"vars": doc}]
        for kind, item in tasks_of(doc):
            for key, text in strings(item):
                used_f, used_t = jinja_names(env, key, text)
                count["templates"] += 1 if (used_f or used_t or "{{" in text) else 0
                # FQCN filters: cray.csm's are checked above; no other collection's are used here.
                problems["filters"] += ["%s: %s" % (rel, n) for n in sorted(used_f - filters)]
                problems["tests"] += ["%s: %s" % (rel, n) for n in sorted(used_t - tests)]
            if kind == "play":
                problems["keywords"] += ["%s: play keyword %s" % (rel, k) for k in sorted(set(item) - play_keys)]
                continue
            if kind == "block":
                problems["keywords"] += ["%s: block keyword %s" % (rel, k) for k in
                                         sorted(set(item) - KEYWORDS - {"block", "rescue", "always"})]
                continue
            if list(item) == ["vars"]:
                continue
            count["tasks"] += 1
            actions = [k for k in item if k not in KEYWORDS and not k.startswith("with_")]
            if len(actions) != 1:
                problems["keywords"] += ["%s: task %r: unknown keys %s" % (rel, item.get("name"), sorted(actions))]
                continue
            args = item[actions[0]]
            used_modules.setdefault(actions[0], set()).update(args if isinstance(args, dict) else ())
    docs = {}
    if used_modules:
        out = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-doc"), "-j"] + sorted(used_modules),
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, universal_newlines=True, check=False).stdout
        docs = json.loads(out or "{}")
    for module, opts in sorted(used_modules.items()):
        doc = (docs.get(module) or {}).get("doc")
        if not doc:
            problems["modules"].append(module)
            continue
        if module in FREE_ARGS:
            continue
        known = set()
        for name, spec in (doc.get("options") or {}).items():
            known.add(name)
            known.update(spec.get("aliases") or ())
        problems["options"] += ["%s: %s" % (module, o) for o in sorted(opts - known)]
    count["modules"] = len(used_modules)
    print(json.dumps({"checked": count, "problems": problems}, indent=1, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
