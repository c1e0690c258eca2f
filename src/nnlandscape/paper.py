"""The paper's generated parts: numbers -> LaTeX macros, the config table, LaTeX log checks."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

_DIGITS = "Zero One Two Three Four Five Six Seven Eight Nine".split()


def macro_name(key: str) -> str:
    """LaTeX macro for a numbers.json key: ``main_gd_loss_median`` -> ``\\NMainGdLossMedian``."""
    words = re.split(r"[^0-9A-Za-z]+", key)
    name = "".join(w[:1].upper() + w[1:] for w in words if w)
    name = "".join(_DIGITS[int(c)] if c.isdigit() else c for c in name)
    return "\\N" + name


def format_number(value) -> str:
    """Text for a number in LaTeX, safe in and out of math mode: ints with thin separators, floats to
    3 significant digits, scientific notation and minus signs inside ``\\ensuremath``."""
    if value is None:  # a JSON null: the number is not defined for this run (NaN)
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        text = f"{abs(value):,}".replace(",", "{,}")
        return f"\\ensuremath{{-{text}}}" if value < 0 else text
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        if math.isinf(value):
            return "\\ensuremath{\\infty}" if value > 0 else "\\ensuremath{-\\infty}"
        if value == 0:
            return "0"
        exp = math.floor(math.log10(abs(value)))
        if -3 <= exp < 5:
            digits = max(0, 2 - exp)
            text = f"{abs(value):,.{digits}f}".replace(",", "{,}")
        else:
            mant = abs(value) / 10**exp
            text = f"{mant:.2f}\\times 10^{{{exp}}}"
            return f"\\ensuremath{{{'-' if value < 0 else ''}{text}}}"
        return f"\\ensuremath{{-{text}}}" if value < 0 else text
    return latex_escape(str(value))


def latex_escape(text: str) -> str:
    """Escape LaTeX special characters in plain text."""
    table = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
             "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}"}
    return "".join(table.get(c, c) for c in text)


def macros(numbers: Mapping[str, object]) -> str:
    """``\\newcommand`` lines for every number (a clash of two keys on one macro is an error)."""
    seen: dict[str, str] = {}
    lines = ["% Generated from results/numbers.json by the workflow: do not edit."]
    for key in sorted(numbers):
        name = macro_name(key)
        if name in seen:
            raise ValueError(f"numbers {seen[name]!r} and {key!r} map to the same macro {name}")
        seen[name] = key
        lines.append(f"\\newcommand{{{name}}}{{{format_number(numbers[key])}}}")
    return "\n".join(lines) + "\n"


def flatten_config(config: Mapping, prefix: str = "") -> list[tuple[str, object]]:
    """``[("fits.main.count", 2048), ...]`` for every leaf of a nested config."""
    rows: list[tuple[str, object]] = []
    for key in config:
        value = config[key]
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            rows += flatten_config(value, path)
        else:
            rows.append((path, value))
    return rows


def config_table(config: Mapping) -> str:
    """A longtable (LaTeX) listing every config value used by the run."""
    lines = ["% Generated from the effective config by the workflow: do not edit.",
             "\\begin{longtable}{@{}ll@{}}", "\\toprule key & value \\\\ \\midrule \\endhead"]
    for key, value in flatten_config(config):
        if key.startswith("claims.rows."):  # listed with the claims table, with their reasons
            continue
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        lines.append(f"\\texttt{{{latex_escape(key)}}} & \\texttt{{{latex_escape(shown)}}} \\\\")
    # a longtable steps the table counter even without a caption: undo it
    lines += ["\\bottomrule", "\\end{longtable}", "\\addtocounter{table}{-1}"]
    return "\n".join(lines) + "\n"


_LOG_PROBLEMS = [
    (re.compile(r"^! (.*)$", re.M), "LaTeX error"),
    (re.compile(r"LaTeX Warning: (Reference|Citation) `([^']*)' .*undefined", re.M),
     "unresolved reference"),
    (re.compile(r"There were undefined references", re.M), "undefined references"),
    (re.compile(r"Overfull \\hbox \((\d+\.\d+)pt too wide\) in paragraph", re.M), None),
]


def latex_log_problems(log: str, overfull_pt: float = 10.0) -> list[str]:
    """Problems in a LaTeX log that must fail the build: errors, unresolved references and
    overfull boxes wider than ``overfull_pt``."""
    problems = []
    for pattern, what in _LOG_PROBLEMS:
        for match in pattern.finditer(log):
            if what is None:
                if float(match.group(1)) > overfull_pt:
                    problems.append(f"overfull hbox {match.group(1)}pt")
            else:
                problems.append(f"{what}: {match.group(0).strip()}")
    return problems


def config_macros(config: Mapping) -> dict[str, object]:
    """Config leaves as numbers keyed ``config_<path>`` (lists are joined as text)."""
    return {"config_" + key.replace(".", "_"): (", ".join(map(str, v)) if isinstance(v, list) else v)
            for key, v in flatten_config(config)}


def build_pdf(main_tex: str, search_dirs: list[str], outdir: str, log_path: str) -> str:
    """Run latexmk (pdflatex) on ``main_tex`` with inputs found in ``search_dirs``.

    Fails (RuntimeError naming each problem) on LaTeX errors, unresolved references, undefined
    macros and overfull boxes; returns the path of the PDF.
    """
    import os
    import shutil
    import subprocess
    from pathlib import Path

    if shutil.which("latexmk") is None or shutil.which("pdflatex") is None:
        raise RuntimeError("latexmk/pdflatex not found: install texlive-latex-base "
                           "texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended "
                           "latexmk (Debian) or use the conda env envs/latex.yaml")
    out = Path(outdir).resolve()
    shutil.rmtree(out, ignore_errors=True)  # a failed build's leftovers would make latexmk skip work
    out.mkdir(parents=True)
    env = dict(os.environ)
    env["TEXINPUTS"] = os.pathsep.join(str(Path(d).resolve()) for d in search_dirs) + os.pathsep
    cmd = ["latexmk", "-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
           f"-outdir={out}", str(Path(main_tex).resolve())]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    Path(log_path).write_text(proc.stdout + proc.stderr)
    tex_log = out / (Path(main_tex).stem + ".log")
    text = tex_log.read_text(errors="replace") if tex_log.exists() else ""
    problems = latex_log_problems(text)
    if proc.returncode != 0 or problems:
        raise RuntimeError(f"LaTeX build failed (exit {proc.returncode}); see {log_path} and "
                           f"{tex_log}: " + "; ".join(problems[:10]))
    return str(out / (Path(main_tex).stem + ".pdf"))


# --- result-dependent wording: one sentence per claim and verdict ---------------------------------

#: Sentences for the claims the text states, by verdict; ``{value}``, ``{low}`` and ``{high}`` are
#: replaced by the statistic and its interval. Claims without an entry get :func:`generic_wording`.
CLAIM_WORDING: dict[str, dict[str, str]] = {
    "no_global": {
        "holds": "Training never found the perfect fit",
        "fails": "Some fits did reach the perfect fit (a share of {value})",
        "inconclusive": "Whether training can find the perfect fit is not settled at this scale "
                        "(a share of {value}, interval {low} to {high})"},
    "sawtooth_gd": {
        "holds": "the mean GD fit has lost the sawtooth (coefficient {value})",
        "fails": "the mean GD fit keeps part of the sawtooth (coefficient {value})",
        "inconclusive": "whether the mean GD fit keeps the sawtooth cannot be told at this scale "
                        "(coefficient {value}, interval {low} to {high})"},
    "sawtooth_adadelta": {
        "holds": "the mean Adadelta fit has lost it as well (coefficient {value})",
        "fails": "the mean Adadelta fit keeps part of it (coefficient {value})",
        "inconclusive": "for the mean Adadelta fit this cannot be told at this scale (coefficient "
                        "{value}, interval {low} to {high})"},
    "spline_gd": {
        "holds": "What remains of the mean GD fit is the spline part",
        "fails": "The mean GD fit is not the spline part either",
        "inconclusive": "Whether the mean GD fit is the spline part cannot be told at this scale"},
    "spline_adadelta": {
        "holds": "the same holds for Adadelta",
        "fails": "the mean Adadelta fit is not the spline part either",
        "inconclusive": "for Adadelta it cannot be told at this scale"},
    "spike_gd": {
        "holds": "GD fits gather at the smooth fit's loss",
        "fails": "GD fits do not gather at the smooth fit's loss",
        "inconclusive": "whether GD fits gather at the smooth fit's loss cannot be told at this scale"},
    "spike_adadelta": {
        "holds": "Adadelta fits gather there too",
        "fails": "Adadelta fits do not gather there",
        "inconclusive": "for Adadelta fits it cannot be told at this scale"},
    "minima_closer": {
        "holds": "The minima are closer to one another than to the global minimum",
        "fails": "The minima are not closer to one another than to the global minimum",
        "inconclusive": "Whether the minima are closer to one another than to the global minimum "
                        "cannot be told at this scale"},
    "neb_flat": {
        "holds": "the energy stays near the fitted minimum's over most of the path",
        "fails": "the energy does not stay near the fitted minimum's over most of the path",
        "inconclusive": "whether the energy stays flat over most of the path cannot be told from "
                        "this many paths"},
    "neb_drop": {
        "holds": "it falls steeply only close to the global minimum",
        "fails": "its fall is not confined to the stretch near the global minimum",
        "inconclusive": "whether its fall is confined to the stretch near the global minimum cannot "
                        "be told from this many paths"},
    "neb_outputs": {
        "holds": "Most of the change of the output happens on the final descent, near the global "
                 "minimum (a median share of {value}); over the plateau the function changes little",
        "fails": "The output does not change mostly on the final descent: the median share made "
                 "there is {value}, so the function also changes along the plateau",
        "inconclusive": "Whether the output changes mostly on the final descent cannot be told from "
                        "this many paths (median share {value}, interval {low} to {high})"},
    "neb_twist": {
        "holds": "The path turns more sharply on the descent to the global minimum than on the "
                 "plateau (by a median of {value} degrees per image)",
        "fails": "The path does not turn more sharply on the descent than on the plateau (median "
                 "difference {value} degrees per image)",
        "inconclusive": "Whether the path turns more sharply near the global minimum cannot be told "
                        "from this many paths (median difference {value} degrees)"},
    "hessian_nonnegative": {
        "holds": "As in the original paper, no sampled minimum shows a clearly negative eigenvalue "
                 "beyond the allowed share",
        "fails": "Unlike in the original paper, a share of {value} of the sampled minima have a "
                 "clearly negative eigenvalue",
        "inconclusive": "Whether the sampled minima have clearly negative eigenvalues cannot be told "
                        "from this many spectra (a share of {value})"},
    "hessian_tiny": {
        "holds": "most eigenvalues at the minima are tiny",
        "fails": "most eigenvalues at the minima are not tiny",
        "inconclusive": "whether most eigenvalues at the minima are tiny cannot be told here"},
    "basin_small": {
        "holds": "GD returns from small jitter",
        "fails": "GD does not reliably return even from small jitter",
        "inconclusive": "whether GD returns from small jitter cannot be told from this many trials"},
    "distinct": {
        "holds": "No two fits found the same minimum",
        "fails": "Some pairs of fits found the same minimum (a share of {value} of the sampled pairs)",
        "inconclusive": "Whether two fits ever share a minimum cannot be told from this many pairs"},
    "dot_positive": {
        "holds": "Seen from the global minimum, every minimum lies inside one cone",
        "fails": "The minima do not lie inside one cone seen from the global minimum: a share of "
                 "{value} of the sampled pairs of directions point apart",
        "inconclusive": "Whether the minima lie inside one cone seen from the global minimum "
                        "cannot be told from this many pairs"},
    "basin_narrow": {
        "holds": "The basin is tiny compared with the distances between the global "
                 "minimum and the fitted minima (the return radius is {value} of the median distance)",
        "fails": "The basin is not small compared with the distances between the global minimum and "
                 "the fitted minima (the return radius is {value} of the median distance)",
        "inconclusive": "Whether the basin is small compared with the distances to the fitted minima "
                        "cannot be told at this scale (ratio {value}, interval {low} to {high})"},
    "adadelta_never": {
        "holds": "Adadelta never returns",
        "fails": "Adadelta does return in some trials (a share of {value})",
        "inconclusive": "Whether Adadelta can return cannot be told from this many trials (a share "
                        "of {value}, interval {low} to {high})"},
    "pairs_small": {
        "holds": "Barriers between fitted minima are small: the band tops rise a median {value} of "
                 "the minima's loss above the higher end (interval {low} to {high})",
        "fails": "Barriers between fitted minima are not small compared with their losses: a median "
                 "{value} of the minima's loss (interval {low} to {high})",
        "inconclusive": "Whether barriers between fitted minima are small cannot be told at this "
                        "scale: the band tops rise a median {value} of the minima's loss above the "
                        "higher end (interval {low} to {high})"},
    "larger_saddles": {
        "holds": "Embedded in the wider network, the fitted minima become saddles: a descent "
                 "direction exists at a share of {value} of them",
        "fails": "Embedded in the wider network, most fitted minima stay minima for the probe: a "
                 "descent direction was found at a share of only {value}",
        "inconclusive": "Whether the embedded minima become saddles cannot be told from this many "
                        "minima (a share of {value}, interval {low} to {high})"},
}

_VERDICT_TEXT = {"holds": "holds", "fails": "fails", "inconclusive": "is inconclusive"}


def claim_macro_name(prefix: str, key: str) -> str:
    """``\\ClaimSayNoGlobal`` for prefix ``Say`` and key ``no_global`` (digits spelled out)."""
    return "\\Claim" + prefix + macro_name(key)[2:]


#: Words that keep their capital inside a sentence.
_PROPER = {"GD", "Adadelta", "NEB", "Hessian", "ReLU", "Keras"}


def _lower_first(text: str) -> str:
    """``text`` with its first letter in lower case, unless its first word is a name."""
    first = re.split(r"[^0-9A-Za-z]", text, maxsplit=1)[0]
    return text if first in _PROPER or not text else text[0].lower() + text[1:]


def generic_wording(claim) -> str:
    """A sentence for any claim: what it says and its verdict."""
    text = claim.claim
    where = ""
    if text.lower().startswith("second example: "):
        text, where = text[len("second example: "):], "for the second example, "
    return (f"{where}the claim that {latex_escape(_lower_first(text))} "
            f"{_VERDICT_TEXT[claim.verdict]} at this scale")


def claim_sentence(claim) -> str:
    """The wording of a claim's verdict (first letter in lower case), value and interval filled in."""
    words = CLAIM_WORDING.get(claim.key)
    if words is None:
        return generic_wording(claim)
    return _lower_first(words[claim.verdict].format(value=format_number(float(claim.value)),
                                                    low=format_number(float(claim.ci_low)),
                                                    high=format_number(float(claim.ci_high))))


def claim_macros(claims) -> str:
    """Macros per claim: ``\\ClaimVerdict<Key>`` (holds, fails, is inconclusive), ``\\ClaimValue``,
    ``\\ClaimLow``, ``\\ClaimHigh``, ``\\ClaimSay<Key>`` (the wording of its verdict, to follow a
    colon or comma) and ``\\ClaimSentence<Key>`` (the same, capitalized, to start a sentence); and the
    tallies ``\\ClaimsTotal``, ``\\ClaimsHold``, ``\\ClaimsFail``, ``\\ClaimsInconclusive``."""
    lines = ["% Generated from the claims table by the workflow: do not edit."]
    for c in claims:
        for prefix, text in (("Verdict", _VERDICT_TEXT[c.verdict]),
                             ("Value", format_number(float(c.value))),
                             ("Low", format_number(float(c.ci_low))),
                             ("High", format_number(float(c.ci_high))),
                             ("Say", claim_sentence(c)),
                             ("Sentence", claim_sentence(c)[:1].upper() + claim_sentence(c)[1:])):
            lines.append(f"\\newcommand{{{claim_macro_name(prefix, c.key)}}}{{{text}}}")
    tally = {v: sum(c.verdict == v for c in claims) for v in _VERDICT_TEXT}
    lines += [f"\\newcommand{{\\ClaimsTotal}}{{{len(claims)}}}",
              f"\\newcommand{{\\ClaimsHold}}{{{tally['holds']}}}",
              f"\\newcommand{{\\ClaimsFail}}{{{tally['fails']}}}",
              f"\\newcommand{{\\ClaimsInconclusive}}{{{tally['inconclusive']}}}"]
    return "\n".join(lines) + "\n"
