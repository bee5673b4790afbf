/// A YAML node as libyaml's parser reports it, composed by `YAMLComposer`: config.yaml's and the release
/// manifest's one node type. Nothing is resolved or typed here (scalars stay the text written, with its style
/// and tag), and nothing is merged away: a mapping is its pairs in file order, a repeated key included, and an
/// alias stays an alias (never expanded).
///
/// Every node has its position, 1-based: the line, and the column in Unicode scalars, of its first character
/// (libyaml's start mark plus one, as Yams reported it).
package indirect enum YAMLNode: Sendable, Hashable {
    case scalar(Scalar)
    case sequence([YAMLNode], SourceLocation)
    /// The pairs in file order; a key written twice is there twice.
    case mapping([Pair], SourceLocation)
    /// `*name`: the anchor's name, not the anchored node.
    case alias(String, SourceLocation)

    package struct Scalar: Sendable, Hashable {
        /// How the scalar is written: an unquoted scalar is the only kind YAML 1.1 types (`YAMLScalar(plain:)`).
        package enum Style: Sendable, Hashable {
            case plain, quoted, literal, folded
        }

        /// The text after YAML's escapes and folding.
        package var string: String
        package var style: Style
        /// The tag as libyaml resolves it (`!!str` is `tag:yaml.org,2002:str`); nil when none is written.
        package var tag: String?
        package var mark: SourceLocation

        package init(_ string: String, style: Style = .plain, tag: String? = nil, mark: SourceLocation) {
            self.string = string
            self.style = style
            self.tag = tag
            self.mark = mark
        }
    }

    package struct Pair: Sendable, Hashable {
        package var key: YAMLNode
        package var value: YAMLNode

        package init(key: YAMLNode, value: YAMLNode) {
            self.key = key
            self.value = value
        }
    }

    package var mark: SourceLocation {
        switch self {
        case .scalar(let scalar): scalar.mark
        case .sequence(_, let mark), .mapping(_, let mark), .alias(_, let mark): mark
        }
    }

    package var scalar: Scalar? {
        if case .scalar(let scalar) = self { scalar } else { nil }
    }

    /// A scalar's text; nil for a list, a mapping or an alias.
    package var string: String? { scalar?.string }

    package var sequence: [YAMLNode]? {
        if case .sequence(let items, _) = self { items } else { nil }
    }

    package var mapping: [Pair]? {
        if case .mapping(let pairs, _) = self { pairs } else { nil }
    }
}

extension [YAMLNode.Pair] {
    /// The value of the first key whose text is `key` (a repeat of it is the reader's to report).
    package subscript(key: String) -> YAMLNode? {
        first { $0.key.string == key }?.value
    }
}
