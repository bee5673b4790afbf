/// Where the time went for one host.
public struct HostTimings: Sendable, Hashable {
    /// Waiting for a slot (global, per-host and handshake caps).
    public var queued: Duration = .zero
    /// TCP connect, handshake, host-key check and authentication.
    public var connect: Duration = .zero
    /// The work done on the connected session (the command).
    public var work: Duration = .zero
    /// Everything, from the start of the run.
    public var total: Duration = .zero
}

/// The outcome of running one command on one host.
public struct HostResult: Sendable {
    /// The target.
    public var target: SSHTarget
    /// The output when the command ran (also on a non-zero exit or a signal).
    public var output: CommandOutput?
    /// Nil on success; otherwise the classified failure (connect, host key, auth, exit code, signal, timeout, …).
    public var error: SSHError?
    /// Timings.
    public var timings: HostTimings
    /// Operator notes, e.g. that a new host key was recorded.
    public var notes: [String]

    /// The host label (``SSHTarget/label``).
    public var host: String { target.label }
    /// True when the command ran and exited 0.
    public var succeeded: Bool { error == nil }
}

/// The outcome of an arbitrary session closure on one host.
public struct HostOutcome<Value: Sendable>: Sendable {
    /// The target.
    public var target: SSHTarget
    /// The closure's value, or the classified failure.
    public var result: Result<Value, SSHError>
    /// Timings.
    public var timings: HostTimings
    /// Operator notes, e.g. that a new host key was recorded.
    public var notes: [String]

    /// The host label.
    public var host: String { target.label }
}
