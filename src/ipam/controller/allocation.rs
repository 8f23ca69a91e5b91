//! Serving one claim, safely against every other allocator — another replica during a leader
//! handover included — without any lock held in this process:
//!
//! 1. Our finalizer goes on the claim first, so its deletion cannot slip past a release.
//! 2. If an IPAddress of the claim's kind already names the claim (its status was lost, or a
//!    pass was interrupted), that is its address. Otherwise an address is chosen from a fresh
//!    listing and its IPAddress created *without* our finalizer. The name is fixed by the
//!    address, so a second creation fails with AlreadyExists: the address is someone else's
//!    (choose again), or this claim's (take it).
//! 3. The name lock does not reach across kinds: while not yet committed, the IPAddress
//!    is withdrawn if one of the other kind has the same name. Of two allocators creating
//!    both kinds at once, at least one sees the other, so at most one commits.
//! 4. Commit: add our finalizer to the IPAddress with the resourceVersion it was created with
//!    (a withdrawal is a delete with the same precondition, so exactly one of them happens),
//!    then write the claim's status with the claim's resourceVersion, which orders replicas
//!    serving the same claim.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;
use kube::api::PostParams;
use kube::{Resource, ResourceExt};

use super::kinds::{AddressObject, ClaimObject};
use super::pass::Pass;
use super::writes::{self, already_exists, get_fresh};
use crate::ipam::allocate::{ClaimError, Holder, Request, allocate};
use crate::ipam::claim::requested_address;
use crate::ipam::naming::address_name;
use crate::kubeutil::finalizers;

/// Addresses tried for one claim in one pass before leaving it to the next pass.
const ATTEMPTS: usize = 16;

/// What creating an IPAddress for a claim came to.
enum Created<A> {
    /// An IPAddress for the claim, committed or not.
    Address(A),
    /// The address is someone else's: choose again.
    Taken,
    /// Nothing more for this claim in this pass.
    Stop,
}

/// What settling an IPAddress came to.
enum Settled {
    /// Withdrawn in favour of the other kind's IPAddress: choose again.
    Withdrawn,
    /// Committed, or left for the next pass.
    Done,
}

impl Pass<'_> {
    /// Gives `claim` an address, or records why it gets none.
    pub(super) async fn serve<C: ClaimObject>(&mut self, claim: &C) {
        let claim = match finalizers::add(&self.api::<C>(), claim, C::FINALIZER).await {
            Ok(claim) => claim,
            Err(error) => return self.note(error),
        };
        let mut next = self.own_address(&claim);
        for _ in 0..ATTEMPTS {
            let address = match next.take() {
                Some(address) => address,
                None => match self.create(&claim).await {
                    Created::Address(address) => address,
                    Created::Taken => continue,
                    Created::Stop => return,
                },
            };
            match self.settle(&claim, address).await {
                Settled::Withdrawn => continue,
                Settled::Done => return,
            }
        }
        self.again = true;
    }

    /// An IPAddress of the claim's kind naming the claim, preferring committed ones and ones
    /// not being deleted (IPAM-34, without cross-resolving kinds through `status.indexes`: Q-3).
    fn own_address<C: ClaimObject>(&self, claim: &C) -> Option<C::Address> {
        let name = claim.name_any();
        C::Address::listed(&self.addresses)
            .iter()
            .filter(|address| address.claim() == name)
            .min_by_key(|address| {
                (
                    address.meta().deletion_timestamp.is_some(),
                    !finalizers::has_finalizer(*address, C::Address::FINALIZER),
                    address.name_any(),
                )
            })
            .cloned()
    }

    /// Chooses an address and creates its IPAddress, uncommitted.
    async fn create<C: ClaimObject>(&mut self, claim: &C) -> Created<C::Address> {
        let claim_name = claim.name_any();
        let request = Request {
            claim: &claim_name,
            requested: requested_address(claim.meta()),
        };
        let allocation = allocate(&self.pool.spec, request, &self.in_use, &mut |size| {
            fastrand::u64(..size)
        });
        let built = allocation.and_then(|allocation| {
            let name = address_name(&self.pool.spec.name_prefix, &allocation.address);
            let object = claim.address_object(self.pool, &name, &allocation)?;
            Ok((allocation, object))
        });
        let (allocation, object) = match built {
            Ok(built) => built,
            Err(error) => {
                self.fail(claim, error).await;
                return Created::Stop;
            }
        };
        let api = self.api::<C::Address>();
        match api.create(&PostParams::default(), &object).await {
            Ok(created) => {
                self.keep(created.clone());
                Created::Address(created)
            }
            Err(error) if already_exists(&error) => {
                let name = object.name_any();
                match get_fresh::<C::Address>(&self.context.client, &self.namespace, &name).await {
                    Ok(Some(existing))
                        if existing.claim() == claim_name
                            && existing.of_pool(&self.pool.name_any()) =>
                    {
                        self.keep(existing.clone());
                        Created::Address(existing)
                    }
                    Ok(_) => {
                        self.in_use.hold(&allocation.address, Holder::Taken);
                        Created::Taken
                    }
                    Err(error) => {
                        self.note(error);
                        Created::Stop
                    }
                }
            }
            Err(error) => {
                // IPAM-33: the claim says so; a rejection (an invalid namePrefix, Q-25) waits
                // for a change, a server failure is retried.
                self.fail(claim, ClaimError::CreateFailed).await;
                if transient(&error) {
                    self.note(error);
                }
                Created::Stop
            }
        }
    }

    /// Commits `address` to `claim` (steps 3 and 4 of the module's description).
    async fn settle<C: ClaimObject>(&mut self, claim: &C, address: C::Address) -> Settled {
        let name = address.name_any();
        let address = if finalizers::has_finalizer(&address, C::Address::FINALIZER) {
            address
        } else {
            let other = get_fresh::<<C::Address as AddressObject>::Other>(
                &self.context.client,
                &self.namespace,
                &name,
            )
            .await;
            match other {
                Ok(Some(_)) => return self.withdraw(address).await,
                Ok(None) => {}
                Err(error) => {
                    self.note(error);
                    return Settled::Done;
                }
            }
            match finalizers::add(&self.api::<C::Address>(), &address, C::Address::FINALIZER).await
            {
                Ok(committed) => {
                    self.keep(committed.clone());
                    committed
                }
                Err(error) => {
                    self.note(error);
                    return Settled::Done;
                }
            }
        };
        let now = Time(Timestamp::now());
        let status = claim.served_status(&name, &self.namespace, &now);
        match writes::status(&self.context.client, claim, status).await {
            Ok(_) => {
                let note = format!(
                    "allocated {} (IPAddress {name}) from IPPool {}",
                    address.address(),
                    self.pool.name_any()
                );
                self.context
                    .events
                    .note(claim, false, "AddressAllocated", note)
                    .await;
            }
            // A lost race leaves the committed IPAddress to this claim's next pass (or to the
            // release of a claim that went meanwhile).
            Err(error) => self.note(error),
        }
        Settled::Done
    }

    /// Deletes an uncommitted IPAddress whose address the other kind holds.
    async fn withdraw<A: AddressObject>(&mut self, address: A) -> Settled {
        match writes::withdraw(&self.context.client, &address).await {
            Err(error) if !writes::not_found(&error) => {
                // Committed by someone else meanwhile: it stays, this pass leaves the claim.
                self.note(error);
                Settled::Done
            }
            _ => {
                self.forget(&address);
                self.in_use.hold(address.address(), Holder::Taken);
                Settled::Withdrawn
            }
        }
    }

    /// Records on the claim why it has no address, once per distinct reason, with a warning
    /// event (IPAM-24; Q-29, fixed: upstream emits no events).
    async fn fail<C: ClaimObject>(&mut self, claim: &C, error: ClaimError) {
        if claim.shows(&error) {
            return;
        }
        let now = Time(Timestamp::now());
        let status = claim.failed_status(&error, &now);
        match writes::status(&self.context.client, claim, status).await {
            Ok(_) => {
                self.context
                    .events
                    .note(claim, true, error.reason(), error.to_string())
                    .await
            }
            Err(failure) => self.note(failure),
        }
    }
}

/// Whether a failed call may succeed if simply tried again.
fn transient(error: &kube::Error) -> bool {
    match error {
        kube::Error::Api(status) => status.code >= 500 || status.code == 429,
        _ => true,
    }
}
