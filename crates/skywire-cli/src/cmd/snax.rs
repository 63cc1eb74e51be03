//! `skywire snax`: snax services from the command line. `req` and `post` are
//! `cluster.snax(node, name)` then `obj.req.METHOD(...)` / `obj.post.METHOD(...)`; `ids`
//! prints the ids a snax service's Lua file gives its methods; `stub` writes the Lua
//! interface file a skynet caller needs for a service that is not written in Lua.

use std::path::PathBuf;
use std::process::ExitCode;

use skywire_node::{Remote, Snax, SnaxInterface, SnaxMethodRef, SnaxSystem};

use super::call::{options, parse_args, print_results, report, with_remote};
use super::CmdResult;

/// Arguments of `skywire snax`.
#[derive(clap::Args, Debug)]
#[command(after_help = "\
Options go before the node: everything after METHOD is an argument.

Examples:
  skywire snax ids service/counter.lua
  skywire snax stub counter accept.add response.get > counter.lua
  skywire snax req --interface service/counter.lua 127.0.0.1:2528 counter get
  skywire snax post --methods accept.add,response.get 127.0.0.1:2528 counter add 3
  skywire snax req --methods accept.add 127.0.0.1:2528 counter 4   # id 4: profile")]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::Subcommand, Debug)]
enum Sub {
    /// Call a `response` method and print what it returns (`obj.req.METHOD(...)`).
    Req(CallArgs),
    /// Push to an `accept` method; no reply (`obj.post.METHOD(...)`).
    Post(CallArgs),
    /// Print the id of every method a snax service's Lua file defines, in order, as
    /// `ID GROUP NAME` (the system methods 1-4 first), as skynet numbers them.
    Ids {
        /// The service's Lua file.
        file: PathBuf,
    },
    /// Write the Lua interface stub of a snax service (for a skynet caller's `snax` path,
    /// as NAME.lua): its methods in order.
    Stub {
        /// The service's name.
        name: String,
        /// The methods in id order, each `accept.NAME` or `response.NAME`.
        #[arg(required = true)]
        methods: Vec<String>,
        /// Write to this file instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// Arguments of `req` and `post`.
#[derive(clap::Args, Debug)]
struct CallArgs {
    /// The node, `HOST:PORT`.
    addr: String,
    /// The snax service's name (found through the node's `.service`, as `cluster.snax`
    /// does).
    name: String,
    /// The method: a name of the interface, or an id (1-4: init, exit, hotfix, profile).
    method: String,
    /// Arguments: Lua literals or bare words, as for `skywire call` (everything after
    /// METHOD: give the options before the node).
    #[arg(allow_hyphen_values = true)]
    args: Vec<String>,
    /// The service's Lua file, read for its methods' order (not run).
    #[arg(long, value_name = "FILE", conflicts_with = "methods")]
    interface: Option<PathBuf>,
    /// The methods in order instead of a file: `accept.add,response.get,...`.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    methods: Option<Vec<String>>,
    /// The service's address, known already: skip the query (`cluster.snax(node, name,
    /// address)`).
    #[arg(long, value_name = "ADDRESS")]
    address: Option<u32>,
    /// Give up after this many seconds (for the query too: a skynet node does not answer
    /// a query for a name it has no service of).
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// `req`: print the results as JSON (the `skywire decode --json` value form).
    #[arg(long)]
    json: bool,
}

/// Runs `skywire snax`.
pub fn run(args: Args) -> CmdResult {
    match args.command {
        Sub::Req(a) => call(a, true),
        Sub::Post(a) => call(a, false),
        Sub::Ids { file } => {
            let i = SnaxInterface::load(&file)?;
            for s in SnaxSystem::ALL {
                outln!("{} system {}", s.id(), s.name())?;
            }
            for m in i.methods() {
                outln!("{} {} {}", m.id, m.group, m.name)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Sub::Stub {
            name,
            methods,
            output,
        } => {
            let stub = SnaxInterface::from_list(&methods)?.to_lua_stub(&name);
            match output {
                Some(path) => {
                    std::fs::write(&path, stub).map_err(|e| format!("{}: {e}", path.display()))?
                }
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(stub.as_bytes())?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn call(a: CallArgs, req: bool) -> CmdResult {
    let interface =
        match (&a.interface, &a.methods) {
            (Some(file), _) => SnaxInterface::load(file)?,
            (None, Some(list)) => SnaxInterface::from_list(list)?,
            (None, None) => return Err(
                "the interface is needed to number the methods: --interface FILE or --methods LIST"
                    .into(),
            ),
        };
    let values = parse_args(&a.args)?;
    let opts = options(a.timeout, None)?;
    let method = match a.method.parse::<u32>() {
        Ok(id) => SnaxMethodRef::Id(id),
        Err(_) => SnaxMethodRef::Name(&a.method),
    };
    let result = with_remote(&a.addr, async |r: &Remote| {
        let s = match a.address {
            Some(addr) => Snax::bind(r.clone(), addr, &a.name, interface),
            None => r.snax_with(&a.name, interface, &opts).await?,
        };
        if req {
            s.req_with(method, &values, &opts).await.map(Some)
        } else {
            s.post_with(method, &values, &opts).await.map(|()| None)
        }
    })?;
    let name = if req { "snax req" } else { "snax post" };
    match result {
        Ok(Some(ret)) => {
            print_results(&ret, a.json)?;
            Ok(ExitCode::SUCCESS)
        }
        Ok(None) => Ok(ExitCode::SUCCESS),
        Err(e) => report(name, e),
    }
}
