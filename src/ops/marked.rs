//! The one editor of a block that cmos manages inside someone else's file, between a begin
//! and an end marker line (the git hooks, the agents' instructions file): everything outside
//! the markers is the owner's and is kept byte for byte.

/// The marker lines of a block. A line that starts with `begin` opens it, the next line
/// that starts with `end` closes it.
#[derive(Debug, Clone, Copy)]
pub struct Markers {
    pub begin: &'static str,
    pub end: &'static str,
}

/// A file cut around its block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    /// The text before the begin marker line.
    pub before: String,
    /// Whether the file holds a whole block (a begin line and, after it, an end line).
    pub found: bool,
    /// The text after the end marker line.
    pub after: String,
}

impl Cut {
    /// The file without its block.
    pub fn rest(&self) -> String {
        format!("{}{}", self.before, self.after)
    }

    /// The file with `block` where its block was; false when there was none to replace.
    pub fn replaced(&self, block: &str) -> Option<String> {
        self.found
            .then(|| format!("{}{block}{}", self.before, self.after))
    }
}

impl Markers {
    /// Cuts `text` around its first block. A begin line with no end line after it is not a
    /// block: nothing after it is taken for cmos's, so nothing of the owner's is lost.
    pub fn cut(&self, text: &str) -> Cut {
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let begin = lines.iter().position(|l| l.starts_with(self.begin));
        let end = begin.and_then(|b| {
            lines[b + 1..]
                .iter()
                .position(|l| l.starts_with(self.end))
                .map(|e| b + 1 + e)
        });
        match (begin, end) {
            (Some(b), Some(e)) => Cut {
                before: lines[..b].concat(),
                found: true,
                after: lines[e + 1..].concat(),
            },
            _ => Cut {
                before: text.to_string(),
                found: false,
                after: String::new(),
            },
        }
    }

    /// `body` between the marker lines, each line ending in a newline.
    pub fn wrap(&self, body: &str) -> String {
        let mut block = format!("{}\n{body}", self.begin);
        if !block.ends_with('\n') {
            block.push('\n');
        }
        block.push_str(self.end);
        block.push('\n');
        block
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: Markers = Markers {
        begin: "# >>> cmos >>>",
        end: "# <<< cmos <<<",
    };

    #[test]
    fn the_block_comes_out_and_the_rest_stays() {
        let text =
            "#!/bin/sh\necho mine\n# >>> cmos >>> x\ncmos hook run\n# <<< cmos <<<\necho after\n";
        let cut = M.cut(text);
        assert!(cut.found);
        assert_eq!(cut.before, "#!/bin/sh\necho mine\n");
        assert_eq!(cut.after, "echo after\n");
        assert_eq!(
            cut.replaced("NEW\n").unwrap(),
            "#!/bin/sh\necho mine\nNEW\necho after\n"
        );
        assert!(!M.cut("#!/bin/sh\n").found);
    }

    #[test]
    fn a_begin_line_without_an_end_line_is_not_a_block() {
        let text = "mine\n# >>> cmos >>>\nstill mine\n";
        let cut = M.cut(text);
        assert!(!cut.found);
        assert_eq!(cut.rest(), text, "nothing of the owner's is taken");
        assert_eq!(cut.replaced("x"), None);
    }

    #[test]
    fn a_wrapped_body_reads_back_as_a_block() {
        let block = M.wrap("body");
        assert_eq!(block, "# >>> cmos >>>\nbody\n# <<< cmos <<<\n");
        let cut = M.cut(&format!("a\n{block}b\n"));
        assert_eq!((cut.found, cut.rest().as_str()), (true, "a\nb\n"));
    }
}
