#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Install the kernel's UAPI headers for programs that link the LKL library.

Input is the tree produced by the kernel's ``headers_install`` for ARCH=lkl
(``<INSTALL_HDR_PATH>/include``).  Output goes to ``<DEST>/lkl/``:
``<DEST>/lkl/linux/*.h``, ``<DEST>/lkl/asm/*.h``,
``<DEST>/lkl/asm-generic/*.h`` and so on, so that a program compiled with
``-I<DEST>`` can include ``<lkl/linux/in.h>`` next to the host C library's
own headers.

Only the headers the library API needs are installed: the ROOT_HEADERS below
(system call numbers and the types and constants system calls use, plus the
host interface ``asm/host_ops.h``) and whatever they include, recursively.

Each installed header is rewritten so that nothing in it can clash with the
host C library or with the host's own Linux headers:

* ``#include <x>`` becomes ``#include <lkl/x>`` for every installed ``x``;
  includes of headers outside the set (none, normally) are left alone.
* Every identifier the installed headers define is renamed: macro names,
  typedef names (including function pointer types and ``typedef struct {...}
  name``), enumeration constants, ``static inline`` function names, and the
  tags of the structures, unions and enumerations they define.  The rule
  (see rename()) keeps the leading underscores in front, then adds ``LKL``
  to all-uppercase names and ``lkl`` to the others, followed by the original
  name, with an underscore in between when there were no leading
  underscores::

      O_RDWR             -> LKL_O_RDWR
      stat               -> lkl_stat
      _IOC               -> _LKL_IOC
      __NR_read          -> __lkl__NR_read
      __kernel_loff_t    -> __lkl__kernel_loff_t
      struct sockaddr_in -> struct lkl_sockaddr_in

  Names that already start with lkl/LKL (after any underscores) are kept.

  Structure members that C libraries define as macros (st_atime,
  sa_handler, ...: LIBC_MACRO_MEMBERS) are renamed too.

What else changes, so that the headers work whatever the C library:

* ``__GLIBC__`` counts as undefined in ``#if``s (without_glibc()): the
  definitions the UAPI leaves to glibc (libc-compat.h's struct in6_addr,
  struct ifreq, ...; S_ISREG() in linux/stat.h) are renamed, so they clash
  with nothing and must always be there.
* linux/socket.h gets the socket ABI that the kernel keeps out of its UAPI
  (struct sockaddr, struct user_msghdr, AF_*, SOCK_*, MSG_*, SOL_*, ...;
  see SOCKET_ABI), read from the kernel tree, and linux/if.h takes its
  struct sockaddr from there instead of <sys/socket.h> (FIXUPS).

The module is also imported by syscall_defs.py, which generates the
``lkl_sys_*()`` wrappers with the same renaming.

Headers given with --top (the hand-written lkl.h) are copied to DEST/ as
they are.

Usage: headers_install.py --kernel-src DIR [-v] [--add HEADER]...
                          [--top FILE]... SRC_INCLUDE DEST
"""

import argparse
import os
import re
import sys

# What the library API needs; everything these include is installed too.
ROOT_HEADERS = (
    'asm/host_ops.h',
    'asm/unistd.h',
    'asm/errno.h',
    'asm/ioctls.h',
    'asm/mman.h',
    'asm/poll.h',
    'asm/resource.h',
    'asm/siginfo.h',
    'asm/signal.h',
    'asm/socket.h',
    'asm/sockios.h',
    'asm/stat.h',
    'asm/statfs.h',
    'linux/aio_abi.h',
    'linux/capability.h',
    'linux/close_range.h',
    'linux/errno.h',
    'linux/eventfd.h',
    'linux/eventpoll.h',
    'linux/fadvise.h',
    'linux/falloc.h',
    'linux/fcntl.h',
    'linux/fs.h',
    'linux/futex.h',
    'linux/icmp.h',
    'linux/if.h',
    'linux/if_addr.h',
    'linux/if_arp.h',
    'linux/if_ether.h',
    'linux/if_link.h',
    'linux/if_packet.h',
    'linux/in.h',
    'linux/in6.h',
    'linux/inotify.h',
    'linux/ioctl.h',
    'linux/ip.h',
    'linux/ipc.h',
    'linux/limits.h',
    'linux/memfd.h',
    'linux/mman.h',
    'linux/mount.h',
    'linux/mqueue.h',
    'linux/msg.h',
    'linux/neighbour.h',
    'linux/net.h',
    'linux/netlink.h',
    'linux/openat2.h',
    'linux/poll.h',
    'linux/posix_types.h',
    'linux/prctl.h',
    'linux/random.h',
    'linux/reboot.h',
    'linux/resource.h',
    'linux/route.h',
    'linux/rtnetlink.h',
    'linux/sched.h',
    'linux/sched/types.h',
    'linux/sem.h',
    'linux/shm.h',
    'linux/signal.h',
    'linux/signalfd.h',
    'linux/socket.h',
    'linux/sockios.h',
    'linux/stat.h',
    'linux/sysinfo.h',
    'linux/tcp.h',
    'linux/time.h',
    'linux/time_types.h',
    'linux/timerfd.h',
    'linux/times.h',
    'linux/timex.h',
    'linux/types.h',
    'linux/udp.h',
    'linux/uio.h',
    'linux/un.h',
    'linux/utime.h',
    'linux/utsname.h',
    'linux/wait.h',
    'linux/xattr.h',
)

# Files under DEST/lkl that syscall_defs.py generates: never written or
# removed here, so syscall_defs.py must run after this script (the
# Makefile runs both).  (asm-generic/unistd.h is still read, for its
# names.)
GENERATED = ('asm/syscall_defs.h', 'asm-generic/unistd.h')


GLIBC_IF_RE = re.compile(r'^([ \t]*#[ \t]*(?:if|elif)\b.*)$', re.M)
GLIBC_RE = re.compile(r'defined[ \t]*\([ \t]*__GLIBC__[ \t]*\)|'
                      r'defined[ \t]+__GLIBC__\b|\b__GLIBC__\b')


def without_glibc(text):
    """@text with __GLIBC__ taken as undefined in #if and #elif.

    The UAPI headers leave out what glibc defines too (struct in6_addr,
    struct ifreq, S_ISREG(), ... through libc-compat.h or directly).  Once
    renamed nothing clashes with libc any more, and the definitions must be
    there whatever C library the program uses.
    """
    return GLIBC_IF_RE.sub(lambda m: GLIBC_RE.sub('0', m.group(1)), text)


SOCKET_ABI_HEAD = '''
/*
 * lkl: the socket ABI that the kernel keeps out of its UAPI headers (user
 * space gets it from the C library's <sys/socket.h>), taken from the
 * kernel tree's include/linux/socket.h and include/linux/net.h by
 * arch/lkl/scripts/headers_install.py.
 */
#include <asm/fcntl.h>
#include <linux/types.h>
#include <linux/uio.h>

/* The generic socket address, in the kernel's layout. */
struct sockaddr {
	__kernel_sa_family_t sa_family;
	char sa_data[14];
};

'''

# What SOCKET_ABI_HEAD is followed by, from the kernel tree: structures and
# enumerations copied (without __user), and the #defines whose names match
# and whose values only use numbers and names defined here.
SOCKET_ABI = (
    ('include/linux/socket.h',
     ('linger', 'user_msghdr', 'mmsghdr', 'cmsghdr', 'ucred'), (),
     r'(?:AF|PF|MSG|SOL|SCM)_\w+|SOMAXCONN'),
    ('include/linux/net.h',
     (), ('sock_type', 'sock_shutdown_cmd'), r'SOCK_\w+'),
)
# Names those #defines may use besides their own.
SOCKET_ABI_EXTERN = ('O_CLOEXEC', 'O_NONBLOCK')


def _names_in(expr):
    """The identifiers of C expression @expr (not the number suffixes)."""
    return set(re.findall(r'[A-Za-z_]\w*', re.sub(r'\b\d\w*', '', expr)))


def _socket_abi(ksrc):
    """The text SOCKET_ABI describes, from the kernel tree @ksrc."""
    out = [SOCKET_ABI_HEAD.lstrip('\n')]
    known = set(SOCKET_ABI_EXTERN)
    defines = []
    for rel, structs, enums, pattern in SOCKET_ABI:
        with open(os.path.join(ksrc, rel), encoding='utf-8') as f:
            text = f.read()
        for kind, names in (('struct', structs), ('enum', enums)):
            for name in names:
                m = re.search(r'^%s %s \{\n.*?^\};\n' % (kind, name), text,
                              re.M | re.S)
                if not m:
                    raise ValueError(f'{rel}: no {kind} {name}')
                out.append(re.sub(r'\b__user\b[ \t]*', '', m.group(0)) +
                           '\n')
                if kind == 'enum':
                    body = strip_comments(m.group(0))
                    known.update(re.findall(r'^\s*([A-Z_]\w*)', body, re.M))
        seen = {}
        for line in strip_comments(text).split('\n'):
            m = re.match(r'\s*#\s*define\s+(%s)\s+(.*?)\s*$' % pattern, line)
            if m:
                seen.setdefault(m.group(1), []).append(m.group(2))
        # Names defined more than once depend on the configuration.
        defines += [(n, v[0]) for n, v in seen.items() if len(v) == 1]
    # Keep what only uses numbers and known names, until nothing moves.
    while True:
        ok = [(n, v) for n, v in defines if _names_in(v) <= known]
        new = {n for n, _ in ok} - known
        if not new:
            break
        known |= new
    if not any(n == 'AF_INET' for n, _ in ok):
        raise ValueError('no AF_INET found')
    out += [f'#define {n}\t{v}\n' for n, v in ok]
    return ''.join(out) + '\n'


def _fix_socket(text, ksrc):
    # The socket ABI goes before the closing #endif of the include guard.
    pos = text.rfind('#endif')
    if pos < 0:
        raise ValueError('no include guard')
    return text[:pos] + _socket_abi(ksrc) + text[pos:]


def _fix_if(text, _ksrc):
    # linux/if.h takes struct sockaddr from the C library; ours is in
    # linux/socket.h, which linux/if.h includes already.
    new, count = re.subn(r'^[ \t]*#[ \t]*include[ \t]*<sys/socket\.h>.*\n',
                         '', text, flags=re.M)
    if not count:
        raise ValueError('no #include <sys/socket.h> found')
    return new


# Structure members that C libraries define as macros (<sys/stat.h> has
# "#define st_atime st_atim.tv_sec", <signal.h> "#define sa_handler ...",
# <sys/msg.h> "#define msg_cbytes __msg_cbytes"): a program that includes
# those would not compile the member declarations or could not reach the
# members.  They are renamed like the other names: st.lkl_st_atime.
LIBC_MACRO_MEMBERS = ('st_atime', 'st_mtime', 'st_ctime', 'sa_handler',
                      'sa_sigaction', 'msg_cbytes')

FIXUPS = {
    'linux/socket.h': _fix_socket,
    'linux/if.h': _fix_if,
}

INCLUDE_RE = re.compile(r'^([ \t]*#[ \t]*include[ \t]*)<([^>]+)>', re.M)
DEFINE_RE = re.compile(r'^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)', re.M)
# Comments go, string and character literals stay (they may hold "/*").
COMMENT_RE = re.compile(r'//[^\n]*|/\*.*?\*/|("(?:\\.|[^"\\\n])*"|'
                        r"'(?:\\.|[^'\\\n])*')", re.S)
TOKEN_RE = re.compile(r'[A-Za-z_]\w*|\d[\w.]*|"(?:\\.|[^"\\])*"|'
                      r"'(?:\\.|[^'\\])*'|\S")
WORD_RE = re.compile(r'(?<!\w)(?:(struct|union|enum)(\s+))?'
                     r'([A-Za-z_]\w*)')
PREFIXED_RE = re.compile(r'^_*(lkl|LKL)')
IDENT_RE = re.compile(r'[A-Za-z_]\w*$')
TAG_KEYWORDS = ('struct', 'union', 'enum')


def rename(name):
    """Return the LKL name of @name (see the module documentation)."""
    body = name.lstrip('_')
    lead = name[:len(name) - len(body)]
    prefix = 'LKL' if name.isupper() else 'lkl'
    return lead + prefix + (name if lead else '_' + name)


def is_ident(tok):
    return bool(IDENT_RE.match(tok))


def strip_comments(text):
    """Drop the comments and join the continued lines of @text."""
    def repl(m):
        return m.group(1) if m.group(1) else ' '
    return COMMENT_RE.sub(repl, text).replace('\\\n', ' ')


def includes(text):
    """The <...> include targets of @text, in order."""
    return [m.group(2) for m in INCLUDE_RE.finditer(strip_comments(text))]


def find_headers(src, roots, ksrc):
    """Follow the includes from @roots inside @src (kernel tree: @ksrc).

    Returns (headers, external): a dict from the path relative to @src to
    the text (with FIXUPS applied), and a dict from each included path that
    is not under @src to the set of headers that include it.
    """
    headers = {}
    external = {}
    todo = list(roots)
    while todo:
        rel = todo.pop(0)
        if rel in headers:
            continue
        path = os.path.join(src, rel)
        if not os.path.isfile(path):
            raise FileNotFoundError(f'{path}: no such header')
        with open(path, encoding='utf-8') as f:
            text = f.read()
        text = without_glibc(text)
        fix = FIXUPS.get(rel)
        if fix:
            try:
                text = fix(text, ksrc)
            except ValueError as e:
                raise ValueError(f'{path}: cannot apply the lkl fixup: {e}')
        headers[rel] = text
        for inc in includes(text):
            if os.path.isfile(os.path.join(src, inc)):
                todo.append(inc)
            else:
                external.setdefault(inc, set()).add(rel)
    return headers, external


def _skip_group(toks, i):
    """Index just past the bracketed group that starts at toks[i]."""
    pairs = {'(': ')', '[': ']', '{': '}'}
    stack = []
    while i < len(toks):
        t = toks[i]
        if t in pairs:
            stack.append(pairs[t])
        elif stack and t == stack[-1]:
            stack.pop()
            if not stack:
                return i + 1
        i += 1
    return i


def _split_top(toks, sep):
    """Split @toks at @sep where not nested in brackets."""
    parts, cur, depth = [], [], 0
    for t in toks:
        if t in '([{':
            depth += 1
        elif t in ')]}':
            depth -= 1
        if t == sep and depth == 0:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    parts.append(cur)
    return parts


def _typedef_names(toks):
    """Names declared by a typedef statement (without 'typedef' and ';')."""
    # Drop bodies and attributes: only the declarators are left.
    flat, i = [], 0
    while i < len(toks):
        if toks[i] == '{':
            i = _skip_group(toks, i)
            continue
        if toks[i] in ('__attribute__', '__attribute') and \
                i + 1 < len(toks) and toks[i + 1] == '(':
            i = _skip_group(toks, i + 1)
            continue
        flat.append(toks[i])
        i += 1
    names = []
    for decl in _split_top(flat, ','):
        name = None
        for j, t in enumerate(decl):
            if t == '(':
                if j + 1 < len(decl) and decl[j + 1] == '*':
                    # (*name)(args): function pointer type
                    end = _skip_group(decl, j)
                    idents = [x for x in decl[j:end] if is_ident(x)]
                    name = idents[-1] if idents else None
                elif j and is_ident(decl[j - 1]):
                    # name(args): function type
                    name = decl[j - 1]
                break
            if t == '[':
                break
            if is_ident(t):
                name = t
        if name:
            names.append(name)
    return names


class Symbols:
    """What the installed headers define, and where."""

    def __init__(self):
        self.words = {}     # macro/typedef/enumerator/function -> header
        self.typedefs = {}  # typedef name -> header
        self.tags = {}      # struct/union/enum tag -> header

    def add_word(self, name, rel):
        if not PREFIXED_RE.match(name):
            self.words.setdefault(name, rel)

    def add_tag(self, name, rel):
        if not PREFIXED_RE.match(name):
            self.tags.setdefault(name, rel)

    def collect(self, rel, text):
        """Record the names header @rel (contents @text) defines."""
        text = strip_comments(text)
        code = []
        for line in text.split('\n'):
            m = DEFINE_RE.match(line)
            if m:
                self.add_word(m.group(1), rel)
            elif not line.lstrip().startswith('#'):
                code.append(line)
        toks = TOKEN_RE.findall('\n'.join(code))
        self._parse(rel, toks)

    def _parse(self, rel, toks):
        depth = 0
        i = 0
        while i < len(toks):
            t = toks[i]
            nxt = toks[i + 1] if i + 1 < len(toks) else ''
            if t in TAG_KEYWORDS:
                body = None
                if is_ident(nxt) and i + 2 < len(toks) and toks[i + 2] == '{':
                    self.add_tag(nxt, rel)
                    body = i + 2
                elif nxt == '{':
                    body = i + 1
                if t == 'enum' and body is not None:
                    self._enumerators(rel, toks, body)
            elif t == 'typedef' and depth == 0:
                end = i + 1
                while end < len(toks) and toks[end] != ';':
                    if toks[end] in '([{':
                        end = _skip_group(toks, end)
                    else:
                        end += 1
                for name in _typedef_names(toks[i + 1:end]):
                    self.add_word(name, rel)
                    if not PREFIXED_RE.match(name):
                        self.typedefs.setdefault(name, rel)
            elif t == 'static' and depth == 0:
                j = i
                while j < len(toks) and toks[j] not in ('(', ';', '=', '{'):
                    j += 1
                if j < len(toks) and toks[j] == '(' and is_ident(toks[j - 1]):
                    self.add_word(toks[j - 1], rel)
            if t == '{':
                depth += 1
            elif t == '}':
                depth -= 1
            i += 1

    def _enumerators(self, rel, toks, start):
        end = _skip_group(toks, start)
        expect = True
        depth = 0
        for t in toks[start + 1:end - 1]:
            if t in '([{':
                depth += 1
            elif t in ')]}':
                depth -= 1
            elif depth == 0 and t == ',':
                expect = True
            elif expect and depth == 0 and is_ident(t):
                self.add_word(t, rel)
                expect = False
            else:
                expect = False

    def rewrite(self, text, installed):
        """@text with the includes and the names renamed."""
        def word(m):
            kw, space, name = m.groups()
            if kw:
                if name in self.tags:
                    return kw + space + rename(name)
                if name in self.words:
                    # a macro, as in "struct __struct_group_tag(TAG)"
                    return kw + space + rename(name)
                return m.group(0)
            if name in self.words:
                return rename(name)
            return name

        out = []
        for line in text.split('\n'):
            m = INCLUDE_RE.match(line)
            if m:
                if m.group(2) in installed:
                    line = (m.group(1) + '<lkl/' + m.group(2) + '>' +
                            line[m.end():])
            else:
                line = WORD_RE.sub(word, line)
            out.append(line)
        return '\n'.join(out)


def collect(headers):
    """Symbols of a find_headers() result."""
    syms = Symbols()
    for name in LIBC_MACRO_MEMBERS:
        syms.add_word(name, None)
    for rel in sorted(headers):
        syms.collect(rel, headers[rel])
    return syms


def write_if_changed(path, text):
    """Write @text to @path unless it holds that already; True if written."""
    try:
        with open(path, encoding='utf-8') as f:
            if f.read() == text:
                return False
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(tmp, path)
    return True


def show(path):
    """@path the way kbuild prints it: relative when below the cwd."""
    rel = os.path.relpath(path)
    return path if rel.startswith('..') else rel


def install(src, dest, roots, ksrc, top_headers=(), verbose=False):
    headers, external = find_headers(src, roots, ksrc)
    syms = collect(headers)
    base = os.path.join(dest, 'lkl')
    installed = set(headers)

    for path in top_headers:
        with open(path, encoding='utf-8') as f:
            text = f.read()
        target = os.path.join(dest, os.path.basename(path))
        if write_if_changed(target, text):
            print(f'  HDRINST {show(target)}')

    for rel in sorted(set(headers) - set(GENERATED)):
        path = os.path.join(base, rel)
        if write_if_changed(path, syms.rewrite(headers[rel], installed)):
            print(f'  HDRINST {show(path)}')

    keep = installed | set(GENERATED)
    for top, _dirs, files in os.walk(base, topdown=False):
        for name in files:
            path = os.path.join(top, name)
            if os.path.relpath(path, base) not in keep:
                print(f'  REMOVE  {show(path)}')
                os.unlink(path)
        if top != base and not os.listdir(top):
            os.rmdir(top)

    if verbose:
        print(f'{len(headers)} headers, {len(syms.words)} names, '
              f'{len(syms.tags)} tags renamed')
        for inc in sorted(external):
            users = ', '.join(sorted(external[inc]))
            print(f'not installed: <{inc}> (included by {users})')


def main():
    ap = argparse.ArgumentParser(
        description='Install the UAPI headers for LKL applications.')
    ap.add_argument('src', metavar='SRC_INCLUDE',
                    help="the kernel's headers_install output "
                         '(INSTALL_HDR_PATH/include)')
    ap.add_argument('dest', metavar='DEST',
                    help='installs into DEST/lkl/')
    ap.add_argument('--kernel-src', required=True, metavar='DIR',
                    help='the kernel source tree (for the socket ABI)')
    ap.add_argument('--add', action='append', default=[], metavar='HEADER',
                    help='install HEADER (e.g. linux/virtio_net.h) too')
    ap.add_argument('--top', action='append', default=[], metavar='FILE',
                    help='copy FILE (e.g. lkl.h) as it is to DEST/')
    ap.add_argument('-v', '--verbose', action='store_true',
                    help='print a summary and the includes left to libc')
    args = ap.parse_args()
    roots = list(ROOT_HEADERS) + args.add
    try:
        install(args.src, args.dest, roots, args.kernel_src, args.top,
                args.verbose)
    except (OSError, ValueError) as e:
        print(f'headers_install.py: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
