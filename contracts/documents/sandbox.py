"""The Jinja environment every company template is parsed and rendered in.

Templates are uploaded by companies, so they are untrusted code. Three layers
keep them harmless:

1. `SandboxedEnvironment` refuses unsafe attributes and calls at run time;
2. every template is checked when it is parsed (at upload *and* at render):
   a reach for an attribute, item or name starting with `_` (`__class__`,
   `__globals__`, `__subclasses__`, ...), `attr("__...")`, or `include`,
   `import`, `extends` and `autoescape` is a syntax error, so such a
   template never runs;
3. autoescaping is on and cannot be turned off (no `safe` filter), so a
   value such as `<w:p>` stays text in the DOCX XML.

A few globals and filters that only serve to blow up memory or CPU (`lipsum`,
`center`, `indent`, `wordwrap`) are removed, `range` is capped, and repeating
a string or list (`"x" * n`) or raising to a power is bounded.
"""

import operator

from django.utils.translation import gettext as _
from jinja2 import nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

MAX_RANGE = 1000
MAX_REPEAT_LENGTH = 100_000
MAX_EXPONENT = 100


class TemplateLimitError(SecurityError):
    """A template went past one of the sandbox's bounds; the message is translated."""


class TemplateForbiddenError(TemplateSyntaxError):
    """A template reaches for what contract templates may not use (translated)."""


# `safe` (like `{% autoescape false %}`) would let a client's value close the
# DOCX text run and inject Word XML: hidden text, fields, links.
_UNSAFE_FILTERS = ("center", "indent", "wordwrap", "safe")
_FORBIDDEN_NODES = {
    nodes.EvalContextModifier: "autoescape",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "import",
    nodes.Extends: "extends",
}


def _capped_range(*args):
    values = range(*args)
    if len(values) > MAX_RANGE:
        raise TemplateLimitError(
            _("range() may produce at most %(limit)s items.") % {"limit": MAX_RANGE}
        )
    return values


def _forbidden_reach(node: nodes.Node) -> str | None:
    """Return what `node` reaches for when that is Python internals, else None."""
    if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
        return node.attr
    if isinstance(node, nodes.Name) and node.name.startswith("_"):
        return node.name
    if (
        isinstance(node, nodes.Getitem)
        and isinstance(node.arg, nodes.Const)
        and isinstance(node.arg.value, str)
        and node.arg.value.startswith("_")
    ):
        return node.arg.value
    # attr("__class__"), map(attribute="__class__") and the like.
    if (
        isinstance(node, nodes.Const)
        and isinstance(node.value, str)
        and node.value.startswith("__")
    ):
        return node.value
    return None


def check_template_tree(tree: nodes.Template) -> None:
    """Raise TemplateSyntaxError when the template reaches for Python internals."""
    for node in tree.find_all(nodes.Node):
        for node_type, keyword in _FORBIDDEN_NODES.items():
            if isinstance(node, node_type):
                raise TemplateForbiddenError(
                    _("'%(keyword)s' is not allowed in contract templates.")
                    % {"keyword": keyword},
                    node.lineno,
                )
        reached = _forbidden_reach(node)
        if reached is not None:
            raise TemplateForbiddenError(
                _(
                    "'%(name)s' reaches for Python internals; names starting "
                    "with '_' are not allowed in contract templates."
                )
                % {"name": reached},
                node.lineno,
            )


class ContractTemplateEnvironment(SandboxedEnvironment):
    """Sandboxed, autoescaping Jinja that refuses unsafe templates at parse time."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self):
        super().__init__(autoescape=True)
        self.globals = {"range": _capped_range, "dict": dict}
        for name in _UNSAFE_FILTERS:
            self.filters.pop(name, None)

    def _parse(self, source, name, filename):
        tree = super()._parse(source, name, filename)
        check_template_tree(tree)
        return tree

    def call_binop(self, context, operator_name, left, right):
        if operator_name == "**":
            if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
                raise TemplateLimitError(_("The exponent is too large."))
            return operator.pow(left, right)
        sizes = [
            len(side) for side in (left, right) if isinstance(side, str | list | tuple)
        ]
        counts = [side for side in (left, right) if isinstance(side, int)]
        if sizes and counts and sizes[0] * max(counts[0], 0) > MAX_REPEAT_LENGTH:
            raise TemplateLimitError(_("The repeated text is too long."))
        return operator.mul(left, right)
