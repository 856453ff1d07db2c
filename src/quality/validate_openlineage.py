#!/usr/bin/env python3
"""Validates OpenLineage RunEvents (one JSON object per line) against the official schema.

usage: validate_openlineage.py SCHEMA_DIR EVENTS.jsonl...

SCHEMA_DIR holds OpenLineage.json and facets/*.json (../shared/data/openlineage). Each event is
checked against OpenLineage.json#/$defs/RunEvent, and each facet that names a _schemaURL of a
standard facet is checked against that facet's schema too. Works offline with jsonschema >= 4.18
(referencing.Registry) and with older releases such as Debian's 4.10 (RefResolver store).
Prints each error and "FILE: N events, M invalid" per file. Exit 0: all valid; 1: some invalid
or a file without events; 2: cannot validate here.
"""
import glob
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("jsonschema is not installed", file=sys.stderr)
    sys.exit(2)

RUN_EVENT = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def load_schemas(schema_dir):
    schemas = {}
    for path in [os.path.join(schema_dir, "OpenLineage.json")] + sorted(
            glob.glob(os.path.join(schema_dir, "facets", "*.json"))):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        schemas[doc["$id"]] = doc
    return schemas


def make_validate(schemas):
    cls = jsonschema.Draft202012Validator
    checker = jsonschema.FormatChecker()
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012
        registry = Registry().with_resources(
            (uri, Resource.from_contents(doc, default_specification=DRAFT202012))
            for uri, doc in schemas.items())

        def validate(instance, ref):
            v = cls({"$ref": ref}, registry=registry, format_checker=checker)
            return list(v.iter_errors(instance))
    except ImportError:
        def validate(instance, ref):
            resolver = jsonschema.RefResolver(base_uri=ref, referrer={"$ref": ref}, store=schemas)
            v = cls({"$ref": ref}, resolver=resolver, format_checker=checker)
            return list(v.iter_errors(instance))
    return validate


def facets_of(event):
    """(path, facet) for every facet in the event."""
    run = event.get("run", {})
    for name, facet in (run.get("facets") or {}).items():
        yield "run.facets." + name, facet
    for name, facet in ((event.get("job") or {}).get("facets") or {}).items():
        yield "job.facets." + name, facet
    for side in ("inputs", "outputs"):
        for i, ds in enumerate(event.get(side) or []):
            for group in ("facets", "inputFacets", "outputFacets"):
                for name, facet in (ds.get(group) or {}).items():
                    yield "%s[%d].%s.%s" % (side, i, group, name), facet


def check_file(path, validate, schemas):
    bad = 0
    count = 0
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            count += 1
            event = json.loads(line)
            errors = [("", e) for e in validate(event, RUN_EVENT)]
            for where, facet in facets_of(event):
                url = facet.get("_schemaURL", "") if isinstance(facet, dict) else ""
                if url.split("#")[0] in schemas:
                    errors += [(where, e) for e in validate(facet, url)]
            for where, e in errors:
                loc = "/".join(str(p) for p in e.absolute_path)
                print("%s:%d: %s%s: %s" % (path, lineno, where, ("/" + loc) if loc else "",
                                           e.message))
            bad += bool(errors)
    print("%s: %d events, %d invalid" % (path, count, bad))
    return bad == 0 and count > 0


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    schemas = load_schemas(sys.argv[1])
    validate = make_validate(schemas)
    results = [check_file(path, validate, schemas) for path in sys.argv[2:]]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
