"""The user pages of docs/*.md as the docs site's extra docs (docs/docsite/rst/*.rst, listed in
docs/docsite/extra-docs.yml), which antsibull-docs reads: it takes reStructuredText only. The Markdown
pages stay the one source; this writes the RST from them, and --check fails when the committed RST
differs from what the pages give (the docs stage runs it). Needs markdown-it-py (in the docs venv).

    python tests/tools/md2rst.py [--check]
"""
import os
import re
import sys

from markdown_it import MarkdownIt

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = os.path.join(ROOT, 'docs')
OUT = os.path.join(DOCS, 'docsite', 'rst')
LABEL = 'ansible_collections.cray.csm.docsite.%s'
# The sections of the site's table of contents (docs/docsite/extra-docs.yml, written here too); a page of
# docs/ that none names goes under "More guides", so a new page is in the site without a change here.
SECTIONS = [('User guides', ['procedure', 'authentication', 'cores', 'interrupted_runs', 'execution_environment']),
            ('Playbooks', ['configure_remote_build_nodes', 'build_remote_node_image', 'ims_computes', 'remote_build_node',
                           'remote_build_node_status', 'clean_remote_build_node', 'remove_remote_build_node',
                           'demo-output'])]
ALL = sorted(f[:-3] for f in os.listdir(DOCS) if f.endswith('.md'))
SECTIONS = [(t, [p for p in pages if p in ALL]) for t, pages in SECTIONS]
SECTIONS.append(('More guides', [p for p in ALL if not any(p in pages for _t, pages in SECTIONS)]))
PAGES = [p for _t, pages in SECTIONS for p in pages]
UNDERLINE = {1: '=', 2: '-', 3: '^', 4: '"'}


def page_label(name):
    return LABEL % name.replace('-', '_')


def link(text, href):
    """A Markdown link as RST: a page of the site as :ref:, a URL as a link, a repository file as a literal."""
    if re.match(r'^[a-z][a-z0-9+.-]*:', href):
        return '`%s <%s>`__' % (text, href)
    target = href.split('#')[0]
    name = os.path.splitext(os.path.basename(target))[0]
    if target.endswith('.md') and os.path.dirname(os.path.normpath(target)) in ('', '.') and name in PAGES:
        return ':ref:`%s <%s>`' % (text, page_label(name))
    return text  # an anchor in the page, or a file of the repository: its text (a literal, mostly)


def inline(token):
    """The RST of an inline token's children."""
    out, stack = [], []  # out: (text, is_markup)
    for t in token.children or []:
        if t.type == 'text':
            out.append((re.sub(r'([*`|\\])', r'\\\1', t.content), False))
        elif t.type == 'code_inline':
            out.append(('``%s``' % t.content, True) if t.content.strip() else (t.content, False))
        elif t.type in ('strong_open', 'em_open', 'link_open'):
            stack.append((t.attrs.get('href', '') if t.type == 'link_open' else t.type, len(out)))
        elif t.type in ('strong_close', 'em_close', 'link_close'):
            kind, start = stack.pop()
            inner = join(out[start:])
            del out[start:]
            if t.type == 'link_close':
                out.append((link(inner, kind), True))
            else:  # RST cannot nest markup: bold or italic text with code in it stays plain
                mark = '**' if t.type == 'strong_close' else '*'
                out.append((mark + inner + mark, True) if '`' not in inner else (inner, True))
        elif t.type in ('softbreak', 'hardbreak'):
            out.append(('\n', False))
        elif t.type != 'html_inline':
            out.append((t.content, False))
    return join(out)


def join(pieces):
    """Join inline pieces; markup next to a word character gets an escaped space, as RST needs."""
    text, after_markup = '', False
    for piece, markup in pieces:
        if text and piece and ((markup and re.match(r'\w', text[-1])) or (after_markup and re.match(r'\w', piece[0]))):
            text += '\\ '
        text += piece
        after_markup = markup if piece else after_markup
    return text


def table(rows):
    """A grid table from rows of cell texts (the first row the header)."""
    n = max(len(r) for r in rows)
    rows = [r + [''] * (n - len(r)) for r in rows]
    widths = [max(3, max(len(r[i]) for r in rows)) for i in range(n)]
    sep = '+' + '+'.join('-' * (w + 2) for w in widths) + '+'
    head = sep.replace('-', '=')
    lines = [sep]
    for i, r in enumerate(rows):
        lines.append('| ' + ' | '.join(c.ljust(w) for c, w in zip(r, widths)) + ' |')
        lines.append(head if i == 0 else sep)
    return '\n'.join(lines)


def convert(name, text):
    tokens = MarkdownIt('commonmark').enable('table').parse(text)
    out, lists, row, rows, item_start = [], [], None, None, []
    title_done = False
    i = 0
    while i < len(tokens):
        t = tokens[i]
        indent = '   ' * len(lists)
        if t.type == 'heading_open':
            level = int(t.tag[1])
            title = inline(tokens[i + 1]).replace('\n', ' ')
            if not title_done:
                out.append('.. _%s:\n\n%s\n%s\n' % (page_label(name), title, '=' * len(title)))
                title_done = True
            else:
                out.append('%s\n%s\n' % (title, UNDERLINE.get(level, '~') * len(title)))
            i += 3
            continue
        if t.type == 'paragraph_open' and rows is None:
            body = inline(tokens[i + 1])
            lead = ''
            if item_start and item_start[-1]:
                lead, item_start[-1] = item_start[-1], None
                body = ('\n' + ' ' * len(lead)).join(body.split('\n'))
                out.append(indent[:-3] + lead + body + '\n')
            else:
                out.append('\n'.join(indent + line for line in body.split('\n')) + '\n')
            i += 3
            continue
        if t.type in ('bullet_list_open', 'ordered_list_open'):
            lists.append([t.type, int(t.attrs.get('start', 1)) if t.type == 'ordered_list_open' else 0])
        elif t.type in ('bullet_list_close', 'ordered_list_close'):
            lists.pop()
            if not lists:
                out.append('')
        elif t.type == 'list_item_open':
            kind = lists[-1]
            lead = '-  ' if kind[0] == 'bullet_list_open' else ('%d. ' % kind[1])
            if kind[0] == 'ordered_list_open':
                kind[1] += 1
            item_start.append(lead)
        elif t.type == 'list_item_close':
            item_start.pop()
        elif t.type in ('fence', 'code_block'):
            lang = (t.info or '').strip().split(' ')[0] or 'text'
            lang = {'ini': 'ini', 'sh': 'bash', 'console': 'console'}.get(lang, lang)
            code = '\n'.join((indent + '    ' + line).rstrip() for line in t.content.rstrip('\n').split('\n'))
            out.append('%s.. code-block:: %s\n\n%s\n' % (indent, lang, code))
        elif t.type == 'table_open':
            rows = []
        elif t.type == 'tr_open':
            row = []
        elif t.type == 'inline' and row is not None:
            row.append(inline(t).replace('\n', ' '))
        elif t.type == 'tr_close':
            rows.append(row)
            row = None
        elif t.type == 'table_close':
            out.append(table(rows) + '\n')
            rows = None
        i += 1
    note = '..\n   Made from docs/%s.md by tests/tools/md2rst.py: edit the Markdown page, then run it.\n\n' % name
    return note + '\n'.join(out).rstrip() + '\n'


def extra_docs():
    """docs/docsite/extra-docs.yml: the table of contents of the pages."""
    lines = ['---', '# Made by tests/tools/md2rst.py from the pages in docs/ (their .rst beside it, in rst/).', 'sections:']
    for title, pages in SECTIONS:
        if pages:
            lines += ['  - title: %s' % title, '    toctree:'] + ['      - %s' % p.replace('-', '_') for p in pages]
    return '\n'.join(lines) + '\n'


def main(argv):
    check = '--check' in argv
    stale = []
    os.makedirs(OUT, exist_ok=True)
    made = [(os.path.join(OUT, name.replace('-', '_') + '.rst'), convert(name, open(os.path.join(DOCS, name + '.md')).read()))
            for name in PAGES] + [(os.path.join(DOCS, 'docsite', 'extra-docs.yml'), extra_docs())]
    for path, rst in made:
        old = open(path).read() if os.path.exists(path) else None
        if old != rst:
            stale.append(os.path.relpath(path, ROOT))
            if not check:
                with open(path, 'w') as f:
                    f.write(rst)
    if check and stale:
        print('not made from the current docs/*.md (run python tests/tools/md2rst.py): %s' % ', '.join(stale))
        return 1
    print('%s: %d pages, %s' % (os.path.relpath(OUT, ROOT), len(PAGES), 'written: ' + ', '.join(stale) if stale else 'current'))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
