#!/usr/bin/env python3
"""The man page of dcos_generate_config, made from the command's own help.

Reads ArgumentParser's `--experimental-dump-help` JSON on stdin and writes roff (man(7)) on stdout:
NAME and DESCRIPTION from the command's abstract and discussion, SYNOPSIS, OPTIONS from every shown
argument, then FILES, ENVIRONMENT and SEE ALSO. Usage: manpage.py VERSION DATE < help.json
(DATE: YYYY-MM-DD, from the commit, so the page is reproducible).
"""
import json
import sys


def roff(text):
    """Text for roff: backslashes and hyphens escaped, no line starting with a control character."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    lines = []
    for line in text.split("\n"):
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def option_names(argument):
    names = []
    for name in argument.get("names", []):
        prefix = "-" if name["kind"] == "short" else "--"
        names.append(prefix + name["name"])
    return names


def paragraphs(text):
    """The discussion's paragraphs; an indented block (a table) is kept as it is, in .nf/.fi."""
    out = []
    for block in text.strip().split("\n\n"):
        lines = block.split("\n")
        if len(lines) > 1 and any(line.startswith(" ") for line in lines[1:]):
            out.append(".PP\n" + roff(lines[0]) + "\n.RS\n.nf\n" + roff("\n".join(l.strip() for l in lines[1:])) + "\n.fi\n.RE")
        else:
            out.append(".PP\n" + roff(" ".join(lines)))
    return "\n".join(out)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: manpage.py VERSION DATE < help.json")
    version, date = sys.argv[1], sys.argv[2]
    command = json.load(sys.stdin)["command"]
    name = command["commandName"]
    title = name.upper().replace("_", "\\_")
    out = [
        f'.TH {title} 1 "{date}" "dcos-installer {version}" "User Commands"',
        ".SH NAME",
        f"{roff(name)} \\- {roff(command.get('abstract', ''))}",
        ".SH SYNOPSIS",
        f".B {roff(name)}",
        "[\\fIOPTIONS\\fR] [\\fIPASSWORD\\fR]",
        ".SH DESCRIPTION",
        paragraphs(command.get("discussion", "")),
        ".SH OPTIONS",
    ]
    for argument in command.get("arguments", []):
        if not argument.get("shouldDisplay", True):
            continue
        value = argument.get("valueName", "")
        if argument["kind"] == "positional":
            head = f"\\fI{roff(value)}\\fR"
        else:
            names = ", ".join(f"\\fB{roff(n)}\\fR" for n in option_names(argument))
            head = names + (f" \\fI{roff(value)}\\fR" if argument["kind"] == "option" else "")
        body = argument.get("abstract", "")
        if argument.get("discussion"):
            body += "\n\n" + argument["discussion"]
        if argument.get("defaultValue") not in (None, ""):
            body += f" (default: {argument['defaultValue']})"
        if argument.get("isRepeating") and argument["kind"] == "option":
            body += " Repeatable."
        out += [".TP", head, roff(body)]
    out += [
        ".SH FILES",
        ".TP",
        "\\fIgenconf/config.yaml\\fR",
        "The cluster configuration (DC/OS 1.11 schema); \\fB\\-\\-list\\-keys\\fR prints every key.",
        ".TP",
        "\\fIgenconf/serve/\\fR",
        "What \\fB\\-\\-genconf\\fR writes and \\fB\\-\\-serve\\fR serves: per-role bundles, dcos_install.sh, the signed manifest.",
        ".TP",
        "\\fIgenconf/keys/\\fR, \\fIgenconf/secrets/\\fR",
        "The signing, token and TLS keys and the per-role secrets archives (0600; never served without a node token).",
        ".TP",
        "\\fIgenconf/state/\\fR",
        "One record per SSH action run, for \\fB\\-\\-resume\\fR.",
        ".TP",
        "\\fI/usr/share/dcos\\-installer/templates/\\fR",
        "The release: templates, units and the node installer template.",
        ".SH ENVIRONMENT",
        ".TP",
        "\\fBDCOS_INSTALLER_TEMPLATES\\fR",
        "Another release directory (as \\fB\\-\\-templates\\-dir\\fR).",
        ".TP",
        "\\fBDCOS_INSTALLER_CACHE\\fR",
        "dcos_generate_config.sh only: where the self-contained file extracts itself (default: ~/.cache/dcos\\-installer).",
        ".SH EXIT STATUS",
        "0 success; 1 invalid configuration or a failed run; 2 usage error; 3 at least one host failed; 130 interrupted.",
        ".SH SEE ALSO",
        "The README of dcos\\-installer, and \\fB/usr/share/doc/dcos\\-installer/\\fR.",
    ]
    sys.stdout.write("\n".join(out) + "\n")


main()
