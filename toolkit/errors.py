"""The two kinds of error the toolkit raises on purpose.

Both carry a text key and its fields rather than a finished sentence, so the
same error can be shown in Swedish or English (``err.message("en")``).
``str(err)`` uses the language given when it was raised, or the current one.
"""

from __future__ import annotations

from typing import Any

from toolkit.i18n import check_language, t


class _Translatable:
    key: str
    fields: dict[str, Any]
    lang: str

    def message(self, lang: str | None = None) -> str:
        lang = check_language(lang or self.lang)
        return t(self.key, lang, **_fields_in(self.fields, lang))


def _fields_in(fields: dict[str, Any], lang: str) -> dict[str, Any]:
    """The fields with every ``{"sv": …, "en": …}`` value taken in ``lang``.

    A field that is itself words (an allowed range such as "> 0 och ≤ 1")
    is given in both languages, so a message asked for in English never
    carries Swedish words, whatever language the error was raised in.

    >>> _fields_in({"allowed": {"sv": "> 0 och ≤ 1", "en": "> 0 and ≤ 1"}, "value": 2}, "en")
    {'allowed': '> 0 and ≤ 1', 'value': 2}
    """
    return {
        k: v[lang] if isinstance(v, dict) and set(v) >= {"sv", "en"} else v
        for k, v in fields.items()
    }


class ParameterError(_Translatable, ValueError):
    """A parameter outside its allowed range; the message names the argument.

    >>> err = ParameterError("common.param_range", argument="share", value=1.5,
    ...                      allowed="0–1", lang="en")
    >>> str(err)
    'share = 1.5 is outside the allowed range 0–1.'
    """

    def __init__(self, key: str, *, lang: str | None = None, **fields: Any) -> None:
        self.key, self.fields, self.lang = key, fields, check_language(lang)
        super().__init__(self.message())

    def __str__(self) -> str:
        return self.message()


class DataError(_Translatable, Exception):
    """A data file that cannot be used; says where, what is wrong and how to fix it.

    ``file``, ``row`` (as the user sees it: the header is row 1) and ``column``
    locate the problem. The message never repeats a cell's value when that
    value could be an identity number.

    >>> err = DataError("io.missing_column", file="remisser.csv", column="inkommen",
    ...                 column_en="received", lang="en")
    >>> print(err)
    remisser.csv, column inkommen: the required column is missing. Fix: add a column named inkommen (or received) with one value per row.
    """

    def __init__(
        self,
        key: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        lang: str | None = None,
        **fields: Any,
    ) -> None:
        self.key, self.lang = key, check_language(lang)
        self.file, self.row, self.column = file, row, column
        self.fields = {"file": file, "row": row, "column": column, **fields}
        super().__init__(self.message())

    def message(self, lang: str | None = None) -> str:
        lang = check_language(lang or self.lang)
        where = [
            part
            for part, present in (
                (self.file, self.file is not None),
                (t("common.row", lang, row=self.row), self.row is not None),
                (t("common.column", lang, column=self.column), self.column is not None),
            )
            if present
        ]
        prefix = ", ".join(str(p) for p in where)
        fields = _fields_in(self.fields, lang)
        body = t(self.key, lang, **fields)
        fix_key = self.key + ".fix"
        from toolkit.i18n import has

        fix = (
            (" " + t("common.fix", lang) + " " + t(fix_key, lang, **fields)) if has(fix_key) else ""
        )
        return (prefix + ": " if prefix else "") + body + fix

    def __str__(self) -> str:
        return self.message()
