#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate lkl/asm/syscall_defs.h: one lkl_sys_<name>() per system call,
and lkl/asm-generic/unistd.h: the numbers of the calls that are built.

For every system call of the asm-generic table that the library has, the
header gets

    static inline long lkl_sys_<name>(<typed arguments>)
    {
            long lkl_params[6] = { (long)arg1, ... };

            return lkl_syscall(__lkl__NR_<name>, lkl_params);
    }

where the argument types are the kernel's, spelled with the renamed UAPI
names of headers_install.py (``size_t`` -> ``__lkl__kernel_size_t``,
``struct stat *`` -> ``struct lkl_stat *``, ...).

Where the pieces come from, none of which needs a kernel patch:

* The system call table: the exported (not yet renamed) ``asm/unistd.h``,
  run through the C compiler the way the kernel builds its own table, so the
  arch's ``__ARCH_WANT_*`` choices and the word size apply.  That gives
  ``__NR_<name>`` -> number -> ``sys_<function>`` (e.g. ``__NR_fstat`` ->
  ``sys_newfstat``); the wrapper is named after ``__NR_<name>``.
* The prototypes: the ``asmlinkage long sys_<function>(...)`` declarations
  of the kernel tree's ``include/linux/syscalls.h`` (its ``#if`` blocks
  decided by the C preprocessor, with the kernel .config's values as
  ``generated/autoconf.h`` has them), ``__user`` dropped.
* What the built kernel really has (optional): the system call table the
  arch built, read from ``lkl.o`` (``syscall_table`` of
  ``arch/lkl/kernel/syscalls.c``, one relocation per slot).  A slot that
  points at ``sys_ni_syscall`` is a call that is not built: the arch left
  it out (``#define sys_<name> sys_ni_syscall``), the configuration did
  (the weak COND_SYSCALL aliases of ``sys_ni_syscall``), or the
  asm-generic table has no function for it.

Calls left out are listed, with the reason, in a comment of the generated
header: not in the table, not built, no prototype, or an argument type that
has no UAPI spelling.

The renamed ``asm-generic/unistd.h`` is written too, to --unistd
(headers_install.py leaves it alone, so the two scripts run together): for a call that is not built it has no
``__lkl__NR_<name>``, so ``#ifdef __lkl__NR_<name>`` is a feature test,
but ``LKL_NR_<name>_UNBUILT`` with the number instead, and no table entry.
Calls that are built but have no wrapper keep their number.

Usage: syscall_defs.py --uapi DIR --kernel-src DIR [--config FILE]
                       [--object FILE] --unistd FILE -o FILE
"""

import argparse
import os
import re
import struct
import subprocess
import sys
import tempfile

# Our own module, next to us; no __pycache__ in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import headers_install as hi  # noqa: E402

# Kernel-internal types of syscalls.h prototypes -> their UAPI spelling
# (renamed afterwards like every UAPI name) or a plain C type.
KERNEL_TYPES = {
    'u8': '__u8', 'u16': '__u16', 'u32': '__u32', 'u64': '__u64',
    's8': '__s8', 's16': '__s16', 's32': '__s32', 's64': '__s64',
    'uint32_t': '__u32',
    'size_t': '__kernel_size_t',
    'ssize_t': '__kernel_ssize_t',
    'loff_t': '__kernel_loff_t',
    'off_t': '__kernel_off_t',
    'pid_t': '__kernel_pid_t',
    'uid_t': '__kernel_uid32_t',
    'gid_t': '__kernel_gid32_t',
    'qid_t': '__kernel_uid32_t',
    'old_uid_t': '__kernel_old_uid_t',
    'old_gid_t': '__kernel_old_gid_t',
    'umode_t': '__kernel_mode_t',
    'clockid_t': '__kernel_clockid_t',
    'timer_t': '__kernel_timer_t',
    'key_t': '__kernel_key_t',
    'mqd_t': '__kernel_mqd_t',
    'rwf_t': '__kernel_rwf_t',
    'fd_set': '__kernel_fd_set',
    'key_serial_t': '__s32',
}

# Argument types that need two longs on a 32-bit host (UAPI spelling).
WIDE_TYPES = ('__kernel_loff_t', '__u64', '__s64')

C_TYPE_WORDS = ('void', 'char', 'short', 'int', 'long', 'signed', 'unsigned',
                'const', 'volatile', '_Bool', 'float', 'double')

PROTO_RE = re.compile(r'asmlinkage\s+long\s+(sys_\w+)\s*\(([^;]*?)\)\s*;')
DIRECTIVE_RE = re.compile(r'^\s*#\s*(\w+)')
# Directives active_text() hands to the preprocessor as they are.
CPP_KEPT = ('if', 'ifdef', 'ifndef', 'elif', 'else', 'endif')
# Stands for a line of text in what active_text() preprocesses.
MARK = 'LKL_SYSCALL_DEFS_LINE_'
ENTRY = 'LKL_SYSCALL_ENTRY'
# The table arch/lkl/kernel/syscalls.c builds, as named in lkl.o.
TABLE_SYMBOL = 'syscall_table'
NI_FUNC = 'sys_ni_syscall'


class Skip(Exception):
    """A system call that gets no wrapper; the message says why."""


# --- the system call table -------------------------------------------------

def run_cpp(cc, uapi, source, dump_macros):
    """Preprocess @source against the exported headers in @uapi."""
    with tempfile.NamedTemporaryFile('w', suffix='.c', delete=False) as f:
        f.write(source)
        path = f.name
    cmd = cc.split() + ['-E', '-P', '-nostdinc', '-I', uapi, path]
    if dump_macros:
        cmd.insert(-1, '-dM')
    try:
        res = subprocess.run(cmd, capture_output=True, text=True)
    finally:
        os.unlink(path)
    if res.returncode:
        raise RuntimeError(f'{" ".join(cmd)} failed:\n{res.stderr}')
    return res.stdout


def c_int(expr, macros, depth=0):
    """Value of a __NR_ expression: a number, a macro or (parenthesized)."""
    expr = expr.strip()
    while expr.startswith('(') and expr.endswith(')'):
        expr = expr[1:-1].strip()
    if re.fullmatch(r'\d+', expr):
        return int(expr)
    if expr in macros and depth < 16:
        return c_int(macros[expr], macros, depth + 1)
    m = re.fullmatch(r'(\w+)\s*\+\s*(\d+)', expr)
    if m:
        base = c_int(m.group(1), macros, depth + 1)
        return None if base is None else base + int(m.group(2))
    return None


def syscall_table(cc, uapi):
    """Return ({name: nr}, {nr: function}, bits per long)."""
    first = '#include <asm/unistd.h>\n'
    macros = {}
    for line in run_cpp(cc, uapi, first, True).splitlines():
        m = re.match(r'#define\s+(\w+)\s+(.*)$', line)
        if m:
            macros[m.group(1)] = m.group(2)
    bits = 8 * int(macros.get('__SIZEOF_LONG__', '8'))

    names = {}
    for name in macros:
        if not name.startswith('__NR_') or name == '__NR_syscalls':
            continue
        nr = c_int(name, macros)
        if nr is not None:
            names[name[len('__NR_'):]] = nr

    # Include the table again with __SYSCALL() printing its arguments, as
    # the kernel does to build its syscall table.
    again = (first + '#undef __SYSCALL\n'
             f'#define __SYSCALL(nr, call) {ENTRY} nr call\n'
             '#include <asm-generic/unistd.h>\n')
    table = {}
    for m in re.finditer(ENTRY + r'\s+([()\w\s+]+?)\s+(\w+)\s*$',
                         run_cpp(cc, uapi, again, False), re.M):
        nr = c_int(m.group(1), macros)
        if nr is not None:
            table[nr] = m.group(2)
    return names, table, bits


# --- what the built kernel has ---------------------------------------------

class Elf:
    """The sections, symbols and relocations of a relocatable ELF object."""

    def __init__(self, path):
        with open(path, 'rb') as f:
            self.data = data = f.read()
        if data[:4] != b'\x7fELF' or data[4] not in (1, 2) or \
                data[5] not in (1, 2):
            raise ValueError(f'{path}: not an ELF object')
        self.wide = data[4] == 2
        self.end = '<' if data[5] == 1 else '>'
        if self.wide:
            shoff, = self._unpack('Q', 0x28)
            shentsize, shnum = self._unpack('HH', 0x3a)
        else:
            shoff, = self._unpack('I', 0x20)
            shentsize, shnum = self._unpack('HH', 0x2e)
        # (type, offset, size, link, info, entsize) per section
        self.sections = []
        for i in range(shnum):
            at = shoff + i * shentsize
            if self.wide:
                sh = self._unpack('IIQQQQIIQQ', at)
            else:
                sh = self._unpack('IIIIIIIIII', at)
            self.sections.append((sh[1], sh[4], sh[5], sh[6], sh[7], sh[9]))

    def _unpack(self, fmt, at):
        return struct.unpack_from(self.end + fmt, self.data, at)

    def _string(self, section, at):
        start = self.sections[section][1] + at
        return self.data[start:self.data.index(b'\0', start)].decode()

    def symbols(self):
        """[(name, type, section index, value, size)] by symbol index."""
        SHT_SYMTAB = 2
        tab = [i for i, sh in enumerate(self.sections) if sh[0] == SHT_SYMTAB]
        if len(tab) != 1:
            raise ValueError('no single symbol table')
        _type, off, size, link, _info, entsize = self.sections[tab[0]]
        syms = []
        for at in range(off, off + size, entsize):
            if self.wide:
                name, info, _other, shndx, value, sz = \
                    self._unpack('IBBHQQ', at)
            else:
                name, value, sz, info, _other, shndx = \
                    self._unpack('IIIBBH', at)
            syms.append((self._string(link, name), info & 0xf, shndx, value,
                         sz))
        return syms

    def relocations(self, section):
        """{offset: (symbol index, addend)} of the relocations of @section."""
        SHT_RELA, SHT_REL = 4, 9
        target = self.sections[section]
        relocs = {}
        for sh in self.sections:
            if sh[0] not in (SHT_RELA, SHT_REL) or sh[4] != section:
                continue
            for at in range(sh[1], sh[1] + sh[2], sh[5]):
                fmt = ('QQ' if self.wide else 'II') + \
                    (('q' if self.wide else 'i') if sh[0] == SHT_RELA else '')
                r = self._unpack(fmt, at)
                sym = r[1] >> 32 if self.wide else r[1] >> 8
                if sh[0] == SHT_RELA:
                    addend = r[2]
                else:   # the addend is the word being relocated
                    addend, = self._unpack('q' if self.wide else 'i',
                                           target[1] + r[0])
                relocs[r[0]] = (sym, addend)
        return relocs


def read_built_table(path):
    """{number: (function, built)} of the table the arch built into @path.

    @function names what the slot points at; a slot is not built when it
    points at sys_ni_syscall (directly or through a weak alias).
    """
    STT_OBJECT, STT_FUNC, STT_SECTION = 1, 2, 3
    elf = Elf(path)
    syms = elf.symbols()
    tables = [s for s in syms if s[0] == TABLE_SYMBOL and s[1] == STT_OBJECT]
    nis = [s for s in syms if s[0] == NI_FUNC and s[1] == STT_FUNC]
    if len(tables) != 1 or len(nis) != 1:
        raise ValueError(f'{path}: no single {TABLE_SYMBOL} and {NI_FUNC}')
    _name, _type, section, start, size = tables[0]
    ni = (nis[0][2], nis[0][3])
    relocs = elf.relocations(section)
    word = 8 if elf.wide else 4
    table = {}
    for nr in range(size // word):
        reloc = relocs.get(start + nr * word)
        if reloc is None:
            raise ValueError(f'{path}: slot {nr} of {TABLE_SYMBOL} is not '
                             'relocated')
        name, kind, shndx, value, _size = syms[reloc[0]]
        if kind != STT_SECTION:
            value += reloc[1]
        else:
            value = reloc[1]
            name = f'section {shndx} + {value:#x}'
        table[nr] = (name, (shndx, value) != ni)
    return table


def read_config(path):
    """{CONFIG_X: value} of a kernel .config."""
    config = {}
    with open(path) as f:
        for line in f:
            m = re.match(r'(CONFIG_\w+)=(.*)$', line.strip())
            if m:
                config[m.group(1)] = m.group(2)
    return config


# --- prototypes --------------------------------------------------------------

def autoconf(config, bits):
    """#defines of @config as the kernel's generated/autoconf.h has them
    (y -> 1, m -> CONFIG_X_MODULE 1, other values as they are), and the
    word size syscalls.h tests."""
    lines = [f'#define BITS_PER_LONG {bits}']
    for name, value in sorted(config.items()):
        if value == 'y':
            lines.append(f'#define {name} 1')
        elif value == 'm':
            lines.append(f'#define {name}_MODULE 1')
        elif value != 'n':
            lines.append(f'#define {name} {value}')
    return '\n'.join(lines) + '\n'


def active_text(text, prelude, cc, uapi):
    """@text without the lines of #if branches that are not compiled.

    The C preprocessor decides, with the #defines of @prelude and those of
    @text itself: every line of @text is replaced by a marker, its
    conditionals and #define/#undef kept, and the lines whose marker
    comes out are the ones compiled.  #include and the like are dropped:
    the headers they name are kernel-internal, and a condition on what
    they define is false, as for any name the prelude does not define.
    """
    lines = text.split('\n')
    src = []
    first = None    # the line a backslash-continued line belongs to
    for n, line in enumerate(lines):
        first = n if first is None else first
        m = DIRECTIVE_RE.match(lines[first])
        kind = m.group(1) if m else None
        if kind in CPP_KEPT:
            src.append(line)        # the conditional, as it is
        else:
            if first == n:
                src.append(f'{MARK}{n}')
            if kind in ('define', 'undef'):
                src.append(line)
        first = first if line.endswith('\\') else None
    out = run_cpp(cc, uapi, prelude + '\n'.join(src) + '\n', False)
    active = {int(n) for n in re.findall(MARK + r'(\d+)', out)}
    kept = []
    first = None
    for n, line in enumerate(lines):
        first = n if first is None else first
        m = DIRECTIVE_RE.match(lines[first])
        if (m is None or m.group(1) not in CPP_KEPT) and first in active:
            kept.append(line)
        first = first if line.endswith('\\') else None
    return '\n'.join(kept)


def read_prototypes(path, config, bits, cc, uapi):
    """{sys_name: [parameter declarations]} of syscalls.h."""
    with open(path) as f:
        text = hi.strip_comments(f.read())
    text = active_text(text, autoconf(config, bits), cc, uapi)
    protos = {}
    for name, args in PROTO_RE.findall(text):
        toks = hi.TOKEN_RE.findall(args.replace('__user', ' '))
        params = [' '.join(p) for p in hi._split_top(toks, ',')]
        if params == ['void']:
            params = []
        if name in protos and protos[name] != params:
            protos[name] = None     # config-dependent: cannot tell which
        else:
            protos.setdefault(name, params)
    return protos


# --- wrappers ----------------------------------------------------------------

class Wrapper:
    def __init__(self, name, func, params, syms, bits):
        self.name = name
        self.func = func
        self.args = []      # (type, name)
        self.tags = set()       # declared: only pointers are passed
        self.headers = set()    # where the typedefs used are
        used = set()
        for i, param in enumerate(params, 1):
            ctype, pname, wide = self._param(param, syms)
            if bits == 32 and wide:
                raise Skip('64-bit argument on a 32-bit host')
            pname = pname or f'arg{i}'
            while pname in used:
                pname += '_'
            used.add(pname)
            self.args.append((ctype, pname))

    def _param(self, param, syms):
        """(C type, name or None, 64-bit by value) of declaration @param."""
        toks = hi.TOKEN_RE.findall(param)
        name = None
        if len(toks) > 1 and hi.is_ident(toks[-1]) and \
                not self._is_type_word(toks[-1], syms) and \
                toks[-2] not in ('struct', 'union', 'enum'):
            name = toks.pop()
        out = []
        wide = False
        i = 0
        while i < len(toks):
            t = toks[i]
            if t in ('struct', 'union') and i + 1 < len(toks):
                tag = toks[i + 1]
                new = tag if hi.PREFIXED_RE.match(tag) else hi.rename(tag)
                out += [t, new]
                self.tags.add(f'{t} {new}')
                i += 2
                continue
            if t == 'enum' and i + 1 < len(toks):
                out.append('int')   # passed by value as an int
                i += 2
                continue
            if t in KERNEL_TYPES:
                t = KERNEL_TYPES[t]
            wide = wide or t in WIDE_TYPES or \
                (t == 'long' and out.count('long') == 1)
            for word in t.split():
                if word in C_TYPE_WORDS or word == '*':
                    out.append(word)
                elif word in syms.typedefs:
                    out.append(hi.rename(word))
                    self.headers.add(syms.typedefs[word])
                else:
                    raise Skip(f'type {word} has no UAPI spelling')
            i += 1
        ctype = ' '.join(out).replace('* *', '**')
        return ctype, name, wide and '*' not in out

    @staticmethod
    def _is_type_word(word, syms):
        return word in C_TYPE_WORDS or word in KERNEL_TYPES or \
            word in syms.typedefs

    def render(self):
        decls = []
        for ctype, pname in self.args:
            sep = '' if ctype.endswith('*') else ' '
            decls.append(f'{ctype}{sep}{pname}')
        head = f'static inline long lkl_sys_{self.name}('
        line = head + (', '.join(decls) or 'void') + ')'
        if len(line.expandtabs()) > 80 and decls:
            # one argument per line, aligned after the parenthesis
            pad = '\t' * (len(head) // 8) + ' ' * (len(head) % 8)
            line = head + (',\n' + pad).join(decls) + ')'
        if self.args:
            values = ', '.join(f'(long){p}' for _, p in self.args)
            init = f'\tlong lkl_params[6] = {{ {values} }};'
            if len(init.expandtabs()) > 80:
                init = ('\tlong lkl_params[6] = {\n\t\t' +
                        ',\n\t\t'.join(f'(long){p}' for _, p in self.args) +
                        '\n\t};')
        else:
            init = '\tlong lkl_params[6] = { 0 };'
        if self.func != 'sys_' + self.name:
            line = f'/* {self.func}() */\n' + line
        return (f'{line}\n{{\n{init}\n\n'
                f'\treturn lkl_syscall({hi.rename("__NR_" + self.name)}, '
                'lkl_params);\n}\n')


def not_built(func, built, nr):
    """Why call @nr (@func in the asm-generic table) is not built, or None.

    @built is read_built_table()'s, or None when lkl.o is not given.
    """
    if func == NI_FUNC:
        return 'not implemented (sys_ni_syscall)'
    if built is None:
        return None
    if nr not in built:
        return 'not in the table the arch built'
    target, ok = built[nr]
    if ok:
        return None
    if target == NI_FUNC:
        return 'left out by the arch (arch/lkl/kernel/syscalls.c)'
    return 'not built with this configuration'


UNISTD = 'asm-generic/unistd.h'
UNISTD_NOTE = """/*
 * Generated by arch/lkl/scripts/syscall_defs.py from the kernel's
 * asm-generic/unistd.h, renamed: do not edit.
 *
 * Only the system calls this library has built are numbered
 * __lkl__NR_<name>, so "#ifdef __lkl__NR_<name>" tells whether a call is
 * there.  A call that is not built (the configuration or the arch left it
 * out, and it returns -LKL_ENOSYS) has LKL_NR_<name>_UNBUILT, its number,
 * instead, and no table entry; <lkl/asm/syscall_defs.h> says why.
 */"""
DEFINE_RE = re.compile(r'^\s*#\s*define\s+(\w+)\s+(.*?)\s*$')
TABLE_ENTRY_RE = re.compile(r'^\s*\w+\s*\(\s*(\w+)\s*,')


def mark_unbuilt(text, unbuilt):
    """The renamed unistd.h @text without the numbers of the @unbuilt calls.

    Their __lkl__NR_<name> becomes LKL_NR_<name>_UNBUILT and their table
    entries go.
    """
    nr_names = {hi.rename('__NR_' + name): name for name in unbuilt}
    lines = text.split('\n')
    out = lines[:1] + UNISTD_NOTE.split('\n')
    dropping = False
    for line in lines[1:]:
        if dropping:    # the continued lines of a table entry
            dropping = line.endswith('\\')
            continue
        m = DEFINE_RE.match(line)
        if m and m.group(1) in nr_names:
            name = nr_names[m.group(1)]
            line = f'#define LKL_NR_{name}_UNBUILT {m.group(2)}'
        else:
            m = TABLE_ENTRY_RE.match(line)
            if m and m.group(1) in nr_names:
                dropping = line.endswith('\\')
                continue
        out.append(line)
    return '\n'.join(out)


def wrap_lines(prefix, words, width=78):
    """Comment lines starting with @prefix listing @words."""
    lines, cur = [], prefix
    for w in words:
        if len(cur) + len(w) + 1 > width:
            lines.append(cur.rstrip())
            cur = ' *\t'
        cur += w + ' '
    lines.append(cur.rstrip())
    return lines


def generate(args):
    headers, _ = hi.find_headers(args.uapi, list(hi.ROOT_HEADERS) + args.add,
                                 args.kernel_src)
    syms = hi.collect(headers)
    names, table, bits = syscall_table(args.cc, args.uapi)
    config = read_config(args.config) if args.config else {}
    protos = read_prototypes(
        os.path.join(args.kernel_src, 'include/linux/syscalls.h'), config,
        bits, args.cc, args.uapi)
    built = read_built_table(args.object) if args.object else None

    wrappers, skipped, unbuilt = [], {}, set()
    for name in sorted(names, key=lambda n: (names[n], n)):
        func = table.get(names[name])
        try:
            if func is None:
                raise Skip('no entry in the table')
            why = not_built(func, built, names[name])
            if why:
                unbuilt.add(name)
                raise Skip(why)
            if func not in protos:
                raise Skip(f'no prototype for {func} in syscalls.h')
            if protos[func] is None:
                raise Skip(f'{func} has config-dependent prototypes')
            wrappers.append(Wrapper(name, func, protos[func], syms, bits))
        except Skip as e:
            skipped.setdefault(str(e), []).append(name)

    includes = {'asm/host_ops.h', 'asm/unistd.h'}
    tags = set()
    for w in wrappers:
        includes |= w.headers
        tags |= w.tags

    out = ['/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */',
           '/*',
           ' * Generated by arch/lkl/scripts/syscall_defs.py: do not edit.',
           ' *',
           ' * lkl_sys_<name>() runs system call __lkl__NR_<name> on the',
           ' * calling thread and returns its result: >= 0, or a negative',
           ' * LKL_E* error code.',
           ' */',
           '#ifndef _LKL_ASM_SYSCALL_DEFS_H',
           '#define _LKL_ASM_SYSCALL_DEFS_H',
           '']
    out += [f'#include <lkl/{h}>' for h in sorted(includes)]
    out += ['',
            '/* The wrappers pass every argument in one long. */',
            f'#if defined(__SIZEOF_LONG__) && __SIZEOF_LONG__ != {bits // 8}',
            f'#error "this header was generated for a {bits}-bit long"',
            '#endif',
            '']
    if skipped:
        out += ['/*', ' * System calls without a wrapper, and why:']
        for reason in sorted(skipped):
            out += [' *', f' * {reason}:']
            out += wrap_lines(' *\t', skipped[reason])
        out += [' */', '']
    out.append('/* Structures that are only passed by pointer. */')
    out += [f'{t};' for t in sorted(tags)]
    out.append('')
    for w in wrappers:
        out.append(w.render())
    out.append('#endif /* _LKL_ASM_SYSCALL_DEFS_H */')
    unistd = mark_unbuilt(syms.rewrite(headers[UNISTD], set(headers)),
                          unbuilt)
    return '\n'.join(out) + '\n', unistd, len(wrappers), skipped


def main():
    ap = argparse.ArgumentParser(
        description='Generate the lkl_sys_*() system call wrappers.')
    ap.add_argument('--uapi', required=True, metavar='DIR',
                    help="the kernel's headers_install output "
                         '(INSTALL_HDR_PATH/include)')
    ap.add_argument('--kernel-src', required=True, metavar='DIR',
                    help='the kernel source tree (include/linux/syscalls.h)')
    ap.add_argument('--config', metavar='FILE',
                    help="the kernel's .config (for syscalls.h's #ifs)")
    ap.add_argument('--object', metavar='FILE',
                    help='lkl.o: leave out the calls its table does not '
                         'have built')
    ap.add_argument('--unistd', required=True, metavar='FILE',
                    help='where to write the renamed asm-generic/unistd.h '
                         'with the numbers of the built calls only')
    ap.add_argument('--add', action='append', default=[], metavar='HEADER',
                    help='same as headers_install.py --add')
    ap.add_argument('--cc', default=os.environ.get('CC', 'cc'),
                    help='C compiler for the preprocessor (default: $CC '
                         'or cc)')
    ap.add_argument('-o', '--output', required=True, metavar='FILE')
    ap.add_argument('-v', '--verbose', action='store_true')
    args = ap.parse_args()
    try:
        text, unistd, count, skipped = generate(args)
    except (OSError, RuntimeError, ValueError, struct.error) as e:
        print(f'syscall_defs.py: {e}', file=sys.stderr)
        return 1
    if hi.write_if_changed(args.output, text):
        print(f'  GEN     {hi.show(args.output)}')
    if hi.write_if_changed(args.unistd, unistd):
        print(f'  GEN     {hi.show(args.unistd)}')
    if args.verbose:
        print(f'{count} wrappers')
        for reason in sorted(skipped):
            print(f'{reason}: {" ".join(skipped[reason])}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
