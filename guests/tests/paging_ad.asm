; paging_ad: accessed and dirty flags (SDM vol. 3 4.8): set in the PDE
; and PTE by a read (A), a write (A and D, also when the TLB already holds
; the translation from a read), an instruction fetch (A), in a 4 MiB PDE
; (A, D), and what a faulting access leaves behind: a protection fault
; (user write to a read-only page, user read of a supervisor page,
; supervisor write with WP=1) and a not-present PTE under a present PDE.
; Values print masked to A|D|P|RW|US (PDEs of page tables: A|P|RW|US).
; The paging-structure caches are flushed (CR3 reload) before every step
; that expects the PDE to be walked again.
;
; Not printed: the PDE's accessed flag after a walk that ends in a page
; fault (the "after the fault" lines show the PTE only). QEMU 7.2 sets it
; (the PDE was read on the way to the faulting PTE: "pde=27"), bochs 2.7
; sets accessed flags only once the whole translation succeeds ("pde=07").
; SDM vol. 3 4.8 says the flag is set whenever an entry "is used as part of
; linear-address translation", which does not settle a translation that
; faults, so this kernel leaves it out. Both agree that neither A nor D is
; set in a PTE whose access faults.
; area: paging, accessed/dirty bits
; reference: qemu

%define KERNEL_NAME "paging_ad"
%include "lib/kernel.inc"

PA      equ 0x400000                ; -> 0x300000
PB      equ 0x401000                ; -> 0x301000
PC      equ 0x402000                ; -> 0x302000, read-only
PD_     equ 0x403000                ; not present
PE      equ 0x404000                ; -> 0x304000, code
PF_     equ 0x405000                ; -> 0x305000, supervisor
BIGP    equ 0x800000                ; 4 MiB page -> 0x800000
PDE1    equ PAGE_DIR + 1 * 4
PDE2    equ PAGE_DIR + 2 * 4
%define PTE(lin) (PAGE_TAB1 + (((lin) >> 12) & 0x3FF) * 4)

%macro SHOW 2                       ; "label", PTE address
        PRINT %1
        mov eax, [PDE1]
        and eax, PG_A | PG_P | PG_RW | PG_US
        PKV8 " pde=", eax
        mov eax, [%2]
        and eax, PG_D | PG_A | PG_P | PG_RW | PG_US
        PKV8 " pte=", eax
        PRINTLN
%endmacro

%macro SHOWPTE 2                    ; "label", PTE address (PDE.A undefined here)
        PRINT %1
        mov eax, [%2]
        and eax, PG_D | PG_A | PG_P | PG_RW | PG_US
        PKV8 " pte=", eax
        PRINTLN
%endmacro

%macro FLUSH 0                      ; TLB and paging-structure caches
        mov eax, cr3
        mov cr3, eax
%endmacro

        bits 32
main:
        call paging_identity
        mov edi, PAGE_TAB1
        mov ecx, 1024
        xor eax, eax
        rep stosd
        mov dword [PTE(PA)], 0x300000 | PG_P | PG_RW | PG_US
        mov dword [PTE(PB)], 0x301000 | PG_P | PG_RW | PG_US
        mov dword [PTE(PC)], 0x302000 | PG_P | PG_US
        mov dword [PTE(PD_)], 0x303000 | PG_RW | PG_US
        mov dword [PTE(PE)], 0x304000 | PG_P | PG_RW | PG_US
        mov dword [PTE(PF_)], 0x305000 | PG_P | PG_RW
        mov dword [PDE1], PAGE_TAB1 | PG_P | PG_RW | PG_US
        mov dword [PDE2], BIGP | PG_PS | PG_P | PG_RW | PG_US
        mov byte [0x304000], 0xC3           ; ret (code page, written physically)
        mov eax, cr4
        or eax, CR4_PSE
        mov cr4, eax
        mov eax, cr0
        or eax, CR0_PG | CR0_WP
        mov cr0, eax

        SHOW "initial:", PTE(PA)
        mov eax, [PA]
        SHOW "read [400000]:", PTE(PA)
        mov dword [PA], 1
        SHOW "then write [400000] (translation cached by the read):", PTE(PA)
        and dword [PTE(PA)], ~(PG_A | PG_D)
        FLUSH
        SHOW "A/D cleared in memory, CR3 reloaded:", PTE(PA)
        mov dword [PA], 2
        SHOW "write [400000]:", PTE(PA)
        mov dword [PB], 3
        SHOW "write [401000] (first access):", PTE(PB)
        call PE
        SHOW "call [404000] (fetch):", PTE(PE)

        ; ---------------------------------------------------------- 4 MiB page
        mov eax, [PDE2]
        and eax, PG_PS | PG_D | PG_A | PG_P | PG_RW | PG_US
        PKV8 "4 MiB pde initial=", eax
        mov eax, [BIGP + 0x10]
        mov eax, [PDE2]
        and eax, PG_PS | PG_D | PG_A | PG_P | PG_RW | PG_US
        PKV8 " after read=", eax
        mov dword [BIGP + 0x10], 4
        mov eax, [PDE2]
        and eax, PG_PS | PG_D | PG_A | PG_P | PG_RW | PG_US
        PKV8 " after write=", eax
        PRINTLN

        ; ---------------------------------------------------------- faulting accesses
        and dword [PDE1], ~PG_A
        FLUSH
        PRINT "not-present pte, read [403000]: "
        TRY
        mov eax, [PD_]
        ENDTRY
        SHOWPTE "  after the fault:", PTE(PD_)
        and dword [PDE1], ~PG_A
        FLUSH
        R3BEGIN "ring 3 write, read-only pte [402000]: "
        mov dword [ss:PC], 5
        R3END
        SHOWPTE "  after the fault:", PTE(PC)
        and dword [PDE1], ~PG_A
        FLUSH
        R3BEGIN "ring 3 read, supervisor pte [405000]: "
        mov eax, [ss:PF_]
        R3END
        SHOWPTE "  after the fault:", PTE(PF_)
        and dword [PDE1], ~PG_A
        and dword [PTE(PC)], ~PG_A
        FLUSH
        PRINT "ring 0 write with WP=1, read-only pte [402000]: "
        TRY
        mov dword [PC], 6
        ENDTRY
        SHOWPTE "  after the fault:", PTE(PC)
        mov eax, [PC]
        SHOW "ring 0 read [402000]:", PTE(PC)
        EXIT 0

%include "lib/tail.inc"
