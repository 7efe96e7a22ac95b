//! The layout holds by test, not by goodwill: imports go one way (web → service → domain, db,
//! mail; the dispatch job → service, db, mail), domain/ stays free of frameworks, every query is
//! under db/, and no files import each other in a cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A source file as a module path: src/service/desk/mod.rs → ["service", "desk"].
type ModPath = Vec<String>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let p = entry.expect("dir entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn mod_path(src: &Path, file: &Path) -> ModPath {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The code without comments and string literals (a path in a doc comment is no import).
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// Expands `a::{b, c::{d, e}}` into full paths.
fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim().trim_end_matches("::");
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let base = join(prefix, head);
        let mut depth = 0;
        let mut start = 0;
        for (i, ch) in inner.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&base, &inner[start..i], out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(&base, &inner[start..], out);
    } else if !tree.is_empty() {
        let name = tree.split(" as ").next().unwrap_or(tree).trim();
        out.push(join(prefix, if name == "self" { "" } else { name }));
    }
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}::{b}"),
    }
}

/// Every path the file names: its `use` trees, expanded, and inline `crate::…` / `super::…`.
fn named_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        let after = &rest[at + 4..];
        let end = after.find(';').unwrap_or(after.len());
        if before.is_none_or(|c| c.is_whitespace() || c == '{' || c == '}' || c == ';') {
            expand("", &after[..end], &mut out);
        }
        rest = &after[end.min(after.len())..];
    }
    for key in ["crate::", "super::"] {
        let mut rest = code;
        while let Some(at) = rest.find(key) {
            let before = rest[..at].chars().last();
            let tail: String = rest[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':')) {
                out.push(tail.trim_end_matches(':').to_string());
            }
            rest = &rest[at + key.len()..];
        }
    }
    out
}

/// The module file a path lands in (the deepest module that exists), or None for other crates.
fn resolve(from: &ModPath, path: &str, known: &BTreeSet<ModPath>) -> Option<ModPath> {
    let segs: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let (mut base, rest): (ModPath, &[&str]) = match segs.first() {
        Some(&"crate") => (Vec::new(), &segs[1..]),
        Some(&"super") => {
            let mut b = from.clone();
            let mut i = 0;
            while segs.get(i) == Some(&"super") {
                b.pop();
                i += 1;
            }
            (b, &segs[i..])
        }
        Some(&"self") => (from.clone(), &segs[1..]),
        // A child module named without `self::` (`use transport::Mailer` in mail/mod.rs).
        Some(first) => {
            let mut child = from.clone();
            child.push((*first).to_string());
            if !known.contains(&child) {
                return None;
            }
            (from.clone(), &segs[..])
        }
        None => return None,
    };
    let mut found = known.contains(&base).then(|| base.clone());
    for s in rest {
        base.push((*s).to_string());
        if known.contains(&base) {
            found = Some(base.clone());
        } else {
            break;
        }
    }
    found
}

struct Graph {
    /// module → the modules it names
    edges: BTreeMap<ModPath, BTreeSet<ModPath>>,
    /// module → the external paths it names (diesel::…, actix_web::…)
    externals: BTreeMap<ModPath, BTreeSet<String>>,
}

/// The tree under test: this crate's src/, or another checkout's (LAYERS_SRC) to compare.
fn src_dir() -> PathBuf {
    std::env::var_os("LAYERS_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

fn graph() -> Graph {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut modules: BTreeMap<ModPath, String> = BTreeMap::new();
    for f in &files {
        if f.ends_with("main.rs") {
            continue; // the binary is its own crate
        }
        let text = std::fs::read_to_string(f).expect("read source");
        // Unit tests may reach anywhere.
        let text = match text.find("#[cfg(test)]") {
            Some(i) => text[..i].to_string(),
            None => text,
        };
        modules.insert(mod_path(&src, f), code_only(&text));
    }
    let known: BTreeSet<ModPath> = modules.keys().cloned().collect();
    let mut edges = BTreeMap::new();
    let mut externals = BTreeMap::new();
    for (m, code) in &modules {
        let mut to = BTreeSet::new();
        let mut ext = BTreeSet::new();
        for p in named_paths(code) {
            match resolve(m, &p, &known) {
                Some(t) if &t != m && !t.is_empty() => {
                    to.insert(t);
                }
                Some(_) => {}
                None => {
                    ext.insert(p);
                }
            }
        }
        edges.insert(m.clone(), to);
        externals.insert(m.clone(), ext);
    }
    Graph { edges, externals }
}

fn layer(m: &ModPath) -> &str {
    m.first().map(String::as_str).unwrap_or("")
}

#[test]
fn imports_go_one_way() {
    let g = graph();
    // What each layer may name besides itself.
    let allowed: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("domain", &[][..]),
        ("db", &["domain"][..]),
        ("mail", &["domain", "config"][..]),
        ("service", &["domain", "db", "mail", "error", "config"][..]),
        (
            "dispatch",
            &["service", "domain", "db", "mail", "error", "config"][..],
        ),
        ("web", &["service", "domain", "db", "error", "config"][..]),
        ("error", &["domain"][..]),
        ("config", &["domain", "db"][..]),
    ]);
    let mut wrong = Vec::new();
    for (m, to) in &g.edges {
        let Some(ok) = allowed.get(layer(m)) else {
            continue; // startup wires everything together
        };
        for t in to {
            if layer(t) != layer(m) && !ok.contains(&layer(t)) {
                wrong.push(format!("{} → {}", m.join("::"), t.join("::")));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn handlers_use_services_not_queries() {
    // Row types and the pool are data a handler may hold; queries are the service's to call.
    let g = graph();
    let mut wrong = Vec::new();
    for (m, to) in &g.edges {
        if layer(m) != "web" {
            continue;
        }
        for t in to {
            if layer(t) == "db" && t.len() > 1 && t[1] != "models" {
                wrong.push(format!("{} → {}", m.join("::"), t.join("::")));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "handlers calling queries:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn domain_is_free_of_frameworks() {
    let g = graph();
    let frameworks = ["diesel", "actix_web", "actix_session", "askama", "lettre"];
    let mut wrong = Vec::new();
    for (m, ext) in &g.externals {
        if layer(m) == "domain" {
            for p in ext {
                if frameworks.iter().any(|f| p.split("::").next() == Some(f)) {
                    wrong.push(format!("{} uses {p}", m.join("::")));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn queries_live_in_db() {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let markers = [
        "sql_query",
        "insert_into(",
        "diesel::update",
        "diesel::delete",
        "QueryDsl",
        "RunQueryDsl",
        "diesel::prelude",
    ];
    let mut wrong = Vec::new();
    for f in files {
        let rel = f.strip_prefix(&src).expect("under src");
        if rel.starts_with("db") {
            continue;
        }
        let code = code_only(&std::fs::read_to_string(&f).expect("read"));
        for m in markers {
            if code.contains(m) {
                wrong.push(format!("{} contains {m}", rel.display()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "SQL outside src/db:\n{}",
        wrong.join("\n")
    );
}

/// Tarjan's strongly connected components: every component of two or more nodes is a cycle.
struct Tarjan<'a> {
    edges: &'a [Vec<usize>],
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    next: usize,
    components: Vec<Vec<usize>>,
}

impl<'a> Tarjan<'a> {
    fn run(edges: &'a [Vec<usize>]) -> Vec<Vec<usize>> {
        let n = edges.len();
        let mut t = Tarjan {
            edges,
            index: vec![None; n],
            low: vec![0; n],
            on_stack: vec![false; n],
            stack: Vec::new(),
            next: 0,
            components: Vec::new(),
        };
        for v in 0..n {
            if t.index[v].is_none() {
                t.visit(v);
            }
        }
        t.components
    }

    fn visit(&mut self, v: usize) {
        self.index[v] = Some(self.next);
        self.low[v] = self.next;
        self.next += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
        for &w in &self.edges[v] {
            match self.index[w] {
                None => {
                    self.visit(w);
                    self.low[v] = self.low[v].min(self.low[w]);
                }
                Some(i) if self.on_stack[w] => self.low[v] = self.low[v].min(i),
                Some(_) => {}
            }
        }
        if Some(self.low[v]) == self.index[v] {
            let mut component = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            self.components.push(component);
        }
    }
}

#[test]
fn no_import_cycles() {
    let g = graph();
    let nodes: Vec<&ModPath> = g.edges.keys().collect();
    let index_of: BTreeMap<&ModPath, usize> =
        nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let edges: Vec<Vec<usize>> = nodes
        .iter()
        .map(|m| {
            g.edges[*m]
                .iter()
                // A folder's mod.rs naming its own files (declaring, re-exporting) is no dependency.
                .filter(|t| !t.starts_with(m))
                .filter_map(|t| index_of.get(t).copied())
                .collect()
        })
        .collect();
    let wrong: Vec<String> = Tarjan::run(&edges)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| {
            let names: Vec<String> = c.iter().map(|&i| nodes[i].join("::")).collect();
            names.join(" ⇄ ")
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "import cycles between files:\n{}",
        wrong.join("\n")
    );
}
