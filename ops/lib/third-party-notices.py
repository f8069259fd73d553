#!/usr/bin/env python3
"""Writes THIRD-PARTY-NOTICES for one published program to standard output.

usage: third-party-notices.py PROJECT_ASSETS_JSON [NPM_PROJECT_DIR] [RELEASE_NAME]

Every NuGet package that puts files into the linux-x64 output (runtime or native assets, per the
restore's project.assets.json), plus the runtime and host packs a self-contained publish copies,
with the licence its nuspec declares (SPDX expression, a licence file's text, or a URL), its
copyright and project address, read from the local NuGet cache. With NPM_PROJECT_DIR, the npm
packages named in its package.json "dependencies" (the browser libraries and fonts the server
ships) from node_modules.
"""
import json
import os
import sys
import xml.etree.ElementTree as ET


def nuspec_metadata(folder):
    for name in os.listdir(folder):
        if name.endswith(".nuspec"):
            root = ET.parse(os.path.join(folder, name)).getroot()
            for child in root:
                if child.tag.endswith("metadata"):
                    return {c.tag.split("}")[-1]: c for c in child}
    return {}


def text(meta, key):
    element = meta.get(key)
    return element.text.strip() if element is not None and element.text else ""


def package_notice(cache, package_id, version):
    folder = os.path.join(cache, package_id.lower(), version.lower())
    if not os.path.isdir(folder):
        return [f"{package_id} {version}", "  licence: not found in the NuGet cache (restore first)"]
    meta = nuspec_metadata(folder)
    lines = [f"{text(meta, 'id') or package_id} {version}"]
    licence = meta.get("license")
    body = []
    if licence is not None and licence.get("type") == "expression":
        lines.append(f"  licence: {licence.text.strip()} (SPDX expression)")
    elif licence is not None and licence.get("type") == "file":
        lines.append(f"  licence: the text below (file {licence.text.strip()} in the package)")
        path = os.path.join(folder, licence.text.strip())
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                body = ["    " + line.rstrip() for line in f.read().strip().splitlines()]
    elif text(meta, "licenseUrl"):
        lines.append(f"  licence: {text(meta, 'licenseUrl')}")
    else:
        lines.append("  licence: not declared in the package")
    if text(meta, "licenseUrl") and licence is not None:
        lines.append(f"  licence address: {text(meta, 'licenseUrl')}")
    for key, label in (("copyright", "copyright"), ("authors", "authors"), ("projectUrl", "project")):
        if text(meta, key):
            lines.append(f"  {label}: {text(meta, key)}")
    return lines + body


def nuget_notices(assets_path):
    with open(assets_path, encoding="utf-8") as f:
        assets = json.load(f)
    cache = next(iter(assets["packageFolders"]))
    shipped = set()
    for target, libraries in assets["targets"].items():
        if not target.endswith("/linux-x64"):
            continue
        for key, library in libraries.items():
            if library.get("type") != "package":
                continue
            # runtimeTargets lists every platform's native files; only this platform's are copied.
            native_here = any(asset.get("rid") in ("linux-x64", "linux", "unix", "any")
                              for asset in library.get("runtimeTargets", {}).values())
            # A "_._" file is NuGet's placeholder for "nothing here".
            real = any(not path.endswith("/_._") and path != "_._"
                       for kind in ("runtime", "native", "resource") for path in library.get(kind, {}))
            if native_here or real:
                shipped.add(tuple(key.split("/", 1)))
    for framework in assets["project"]["frameworks"].values():
        for dependency in framework.get("downloadDependencies", []):
            shipped.add((dependency["name"], dependency["version"].strip("[]").split(",")[0].strip()))
    notices = []
    for package_id, version in sorted(shipped, key=lambda p: p[0].lower()):
        notices.append(package_notice(cache, package_id, version))
    return notices


def npm_notices(project_dir):
    with open(os.path.join(project_dir, "package.json"), encoding="utf-8") as f:
        dependencies = json.load(f).get("dependencies", {})
    notices = []
    for name in sorted(dependencies):
        manifest_path = os.path.join(project_dir, "node_modules", name, "package.json")
        if not os.path.isfile(manifest_path):
            notices.append([f"{name} (npm)", "  licence: not found (run the build first: npm install)"])
            continue
        with open(manifest_path, encoding="utf-8") as f:
            manifest = json.load(f)
        licence = manifest.get("license") or "not declared in the package"
        if isinstance(licence, dict):
            licence = licence.get("type", "")
        lines = [f"{name} {manifest.get('version', '')} (npm)", f"  licence: {licence}"]
        if manifest.get("homepage"):
            lines.append(f"  project: {manifest['homepage']}")
        notices.append(lines)
    return notices


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    assets = sys.argv[1]
    npm_dir = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None
    release = sys.argv[3] if len(sys.argv) > 3 else "this release"
    notices = nuget_notices(assets)
    if npm_dir:
        notices += npm_notices(npm_dir)
    print(f"THIRD-PARTY NOTICES for {release}")
    print()
    print("This program includes the components below, each under its own licence. The list is made")
    print("when the release is built, from the licence each package declares.")
    for lines in notices:
        print()
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
